terraform {
  required_providers {
    kratos = {
      source  = "kratos-tf/kratos"
      version = "~> 0.1"
    }
  }
}

# Every setting can also come from the environment: KRATOS_ADMIN_URL, KRATOS_PUBLIC_URL, KRATOS_API_KEY,
# KRATOS_CA_CERTIFICATE, KRATOS_CLIENT_CERTIFICATE, KRATOS_CLIENT_KEY, KRATOS_INSECURE_SKIP_VERIFY.
provider "kratos" {
  admin_url  = "http://127.0.0.1:4434"
  public_url = "http://127.0.0.1:4433"

  # Only needed behind an authenticating proxy (or for Ory Network's admin API).
  # api_key = var.kratos_api_key
  # headers = { "X-Tenant" = "blue" }

  # Only needed for https:// URLs with a private CA, or mutual TLS (see "Connecting").
  # ca_certificate     = file("ca.crt")
  # client_certificate = file("terraform.crt")
  # client_key         = var.kratos_client_key

  request_timeout = "30s"
  max_retries     = 4
}
