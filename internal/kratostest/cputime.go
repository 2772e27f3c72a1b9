package kratostest

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of the CPU times in /proc/<pid>/stat (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// CPUTime returns the user and system CPU time the running Kratos process has used so far, read
// from /proc (Linux only). Benchmarks take it before and after a phase to tell Kratos's share of
// the machine from the client's.
func (i *Instance) CPUTime() (time.Duration, error) {
	cmd, done := i.process()
	if cmd == nil || closed(done) {
		return 0, errors.New("kratostest: Kratos is not running")
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("kratostest: CPU time: %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces: count fields after it.
	// utime and stime are fields 14 and 15 of the line, so 12 and 13 after the name.
	end := strings.LastIndexByte(string(stat), ')')
	fields := strings.Fields(string(stat[end+1:]))
	if end < 0 || len(fields) < 13 {
		return 0, fmt.Errorf("kratostest: CPU time: unexpected /proc stat line %q", stat)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("kratostest: CPU time: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}
