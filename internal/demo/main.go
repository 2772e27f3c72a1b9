// Command demo shows the provider end to end: it starts a local in-memory Kratos, applies
// examples/demo with Terraform (or OpenTofu), shows the outputs, proves a second plan is empty,
// destroys everything and stops Kratos. Run it with `make demo`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/kratos-tf/terraform-provider-kratos/internal/kratostest"
)

func main() {
	cli := flag.String("cli", "terraform", "CLI to drive, from bin/: terraform (1.5.7), terraform-current (1.16.4) or tofu")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *cli); err != nil {
		fmt.Fprintf(os.Stderr, "\ndemo failed: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("\ndemo finished: every step passed")
}

// demo holds what the steps share.
type demo struct {
	root, bin, workDir, cli string
	env                     []string
	step, steps             int
	// colour is whether the CLI may colour its output: only when it goes to a terminal.
	colour bool
}

// progress prints one progress line per step.
func (d *demo) progress(format string, args ...any) {
	d.step++
	fmt.Printf("\n==> [%d/%d] %s\n", d.step, d.steps, fmt.Sprintf(format, args...))
}

func run(ctx context.Context, cliName string) error {
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	d := &demo{root: root, bin: filepath.Join(root, "bin"), steps: 8, colour: isTerminal(os.Stdout)}
	d.cli = filepath.Join(d.bin, cliName)
	if _, err := os.Stat(d.cli); err != nil {
		return fmt.Errorf("%s is not built: run `make tools` first (%w)", d.cli, err)
	}
	if _, err := os.Stat(filepath.Join(d.bin, "terraform-provider-kratos")); err != nil {
		return fmt.Errorf("the provider is not built: run `make build` first (%w)", err)
	}

	d.progress("Starting a local Kratos v1.3.1 (in-memory SQLite, free loopback ports)")
	kratos, err := kratostest.Start(ctx, kratostest.Options{})
	if err != nil {
		return fmt.Errorf("starting Kratos: %w", err)
	}
	defer func() {
		d.progress("Stopping Kratos")
		_ = kratos.Stop()
	}()
	fmt.Printf("    admin API %s, public API %s\n", kratos.AdminURL, kratos.PublicURL)

	if err := d.prepare(kratos); err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(d.workDir) }()

	d.progress("%s plan: what will be created", cliName)
	if err := d.runCLI(ctx, "plan", "-input=false", "-compact-warnings"); err != nil {
		return err
	}
	d.progress("%s apply: create the demo identities", cliName)
	if err := d.runCLI(ctx, "apply", "-input=false", "-auto-approve", "-compact-warnings"); err != nil {
		return err
	}
	d.progress("%s output: the identities as Kratos reports them", cliName)
	if err := d.runCLI(ctx, "output"); err != nil {
		return err
	}
	d.progress("Signing in through Kratos's public login flow as the migrated user, with the password behind the imported hash")
	login, err := kratos.Login(ctx, "grace@demo.example", "migrated-from-legacy-2019")
	if err != nil {
		return fmt.Errorf("the migrated user could not sign in: %w", err)
	}
	fmt.Printf("    signed in: session %s for identity %s\n", login.SessionID, login.IdentityID)
	d.progress("%s plan again: it must report no changes", cliName)
	if err := d.runCLI(ctx, "plan", "-input=false", "-detailed-exitcode", "-compact-warnings"); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && exitErr.ExitCode() == 2 {
			return errors.New("the second plan has changes: the provider has a perpetual diff")
		}
		return err
	}
	fmt.Println("    no changes: state matches Kratos")
	d.progress("%s destroy: remove every demo identity", cliName)
	return d.runCLI(ctx, "destroy", "-input=false", "-auto-approve", "-compact-warnings")
}

// prepare copies examples/demo into a work directory and writes a CLI configuration whose
// dev_overrides make the CLI use the provider in bin/ without a registry.
func (d *demo) prepare(kratos *kratostest.Instance) error {
	dir, err := os.MkdirTemp("", "kratos-demo")
	if err != nil {
		return err
	}
	d.workDir = dir
	src := filepath.Join(d.root, "examples", "demo")
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".tf" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o600); err != nil {
			return err
		}
	}
	rc := filepath.Join(dir, "cli.tfrc")
	config := fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n    %q = %q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/kratos-tf/kratos", d.bin, "registry.opentofu.org/kratos-tf/kratos", d.bin)
	if err := os.WriteFile(rc, []byte(config), 0o600); err != nil {
		return err
	}
	d.env = append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+rc,
		"CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1",
		"KRATOS_ADMIN_URL="+kratos.AdminURL,
		"KRATOS_PUBLIC_URL="+kratos.PublicURL,
	)
	return nil
}

// runCLI runs the CLI in the work directory with its output shown, coloured only on a terminal.
func (d *demo) runCLI(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, d.cli, cliArgs(args, d.colour)...)
	cmd.Dir, cmd.Env = d.workDir, d.env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", filepath.Base(d.cli), args[0], err)
	}
	return nil
}

// cliArgs adds -no-color to a CLI command's arguments unless colour is wanted; the subcommand
// stays first.
func cliArgs(args []string, colour bool) []string {
	if colour || len(args) == 0 {
		return args
	}
	return append([]string{args[0], "-no-color"}, args[1:]...)
}

// isTerminal reports whether f is a character device such as a terminal, not a pipe or file.
func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
