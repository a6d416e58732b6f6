//! The TLS side of an endpoint: the version and cipher suite it negotiates, whether it still
//! accepts TLS 1.2, and its serving certificate (subject, issuer, expiry). The certificate is
//! recorded, not verified: a probe inspects servers whose CA it does not have, and sends them
//! nothing but `GET`s.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// What the handshake showed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsInfo {
    /// `TLSv1_3`.
    pub version: String,
    /// The negotiated cipher suite.
    pub cipher: String,
    /// Whether a TLS 1.2-only client is accepted too.
    pub tls12_accepted: bool,
    /// The leaf certificate's subject.
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
    /// Its `notAfter`, as seconds since the epoch.
    pub not_after: i64,
    /// Whole days from now to `notAfter` (negative once expired).
    pub days_left: i64,
}

/// How the handshake went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handshake {
    /// The endpoint speaks TLS.
    Tls(TlsInfo),
    /// It answered, but not with TLS (a plain HTTP server, or something else).
    NotTls(String),
    /// No connection (refused, timed out, no route).
    Unreachable(String),
}

/// Accepts any certificate and checks only that the handshake's signatures are made with its
/// key.
#[derive(Debug)]
pub struct RecordOnly(pub Arc<CryptoProvider>);

impl ServerCertVerifier for RecordOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn config(tls12_only: bool) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone());
    let builder = if tls12_only {
        builder.with_protocol_versions(&[&rustls::version::TLS12])
    } else {
        builder.with_safe_default_protocol_versions()
    }
    .map_err(|e| e.to_string())?;
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(RecordOnly(provider)))
        .with_no_client_auth())
}

fn connect(authority: &str, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "the name resolves to no address");
    for addr in authority.to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(timeout))?;
                return Ok(s);
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn host_of(authority: &str) -> &str {
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// One handshake; the connection, or why not.
fn shake(
    authority: &str,
    timeout: Duration,
    tls12_only: bool,
) -> Result<rustls::ClientConnection, Handshake> {
    let cfg = config(tls12_only).map_err(Handshake::Unreachable)?;
    let name = ServerName::try_from(host_of(authority).to_string())
        .map_err(|e| Handshake::Unreachable(format!("{authority}: {e}")))?;
    let mut sock =
        connect(authority, timeout).map_err(|e| Handshake::Unreachable(e.to_string()))?;
    let mut conn = rustls::ClientConnection::new(Arc::new(cfg), name)
        .map_err(|e| Handshake::Unreachable(e.to_string()))?;
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut sock) {
            return Err(Handshake::NotTls(e.to_string()));
        }
    }
    Ok(conn)
}

/// Shakes hands with `authority` and reads what the server showed.
pub fn handshake(authority: &str, timeout: Duration, now: i64) -> Handshake {
    let conn = match shake(authority, timeout, false) {
        Ok(c) => c,
        Err(h) => return h,
    };
    let version = conn
        .protocol_version()
        .map(|v| format!("{v:?}"))
        .unwrap_or_default();
    let cipher = conn
        .negotiated_cipher_suite()
        .map(|c| format!("{:?}", c.suite()))
        .unwrap_or_default();
    let (mut subject, mut issuer, mut not_after) = (String::new(), String::new(), 0);
    if let Some(leaf) = conn.peer_certificates().and_then(|c| c.first())
        && let Ok((_, cert)) = x509_parser::parse_x509_certificate(leaf.as_ref())
    {
        subject = cert.subject().to_string();
        issuer = cert.issuer().to_string();
        not_after = cert.validity().not_after.timestamp();
    }
    let tls12_accepted = shake(authority, timeout, true).is_ok();
    Handshake::Tls(TlsInfo {
        version,
        cipher,
        tls12_accepted,
        subject,
        issuer,
        not_after,
        days_left: (not_after - now).div_euclid(86_400),
    })
}

/// The client configuration the probe's HTTP requests use (records, does not verify).
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, String> {
    config(false).map(Arc::new)
}
