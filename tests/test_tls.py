import ipaddress
import ssl
from pathlib import Path

import pytest
from cryptography import x509

from mimamoru.errors import TLSError
from mimamoru.tls import generate_self_signed, server_ssl_context


def test_certificate_names_and_key_permissions(tmp_path: Path) -> None:
    ca_path, cert_path, key_path = generate_self_signed(tmp_path, "camera-box")
    server, ca = x509.load_pem_x509_certificates(cert_path.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"localhost", "camera-box"}
    assert set(names.get_values_for_type(x509.IPAddress)) == {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    }
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not server.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert x509.load_pem_x509_certificate(ca_path.read_bytes()) == ca
    assert key_path.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*ca*key*")), "the CA key is not kept"


def test_context_allows_only_tls_1_2_and_up(tmp_path: Path) -> None:
    _ca, cert_path, key_path = generate_self_signed(tmp_path)
    context = server_ssl_context(cert_path, key_path)
    assert context.minimum_version is ssl.TLSVersion.TLSv1_2
    names = {cipher["name"] for cipher in context.get_ciphers()}
    assert names, "some ciphers enabled"
    for name in names:
        assert "GCM" in name or "CHACHA20" in name, name
        assert "RSA-AES" not in name.replace("ECDHE-RSA", ""), f"{name} lacks forward secrecy"


def test_missing_garbage_and_mismatched_files_are_named(tmp_path: Path) -> None:
    _ca, cert_path, key_path = generate_self_signed(tmp_path / "a")
    with pytest.raises(TLSError, match="TLS certificate not found: /nonexistent"):
        server_ssl_context(Path("/nonexistent/cert.pem"), key_path)
    with pytest.raises(TLSError, match="TLS private key not found"):
        server_ssl_context(cert_path, tmp_path / "missing.pem")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(TLSError, match="cannot be used"):
        server_ssl_context(garbage, key_path)
    _ca, _other_cert, other_key = generate_self_signed(tmp_path / "b")
    with pytest.raises(TLSError, match="cannot be used"):
        server_ssl_context(cert_path, other_key)
