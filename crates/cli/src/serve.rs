//! What Stockade's HTTPS servers share (`audit-log serve`, `webhook serve`): TLS from PEM files
//! that are re-read when they change on disk (a renewed certificate is served to new
//! connections; open ones keep theirs), an accept loop with graceful shutdown, and SIGINT /
//! SIGTERM handling.
//!
//! TLS uses rustls with the ring provider (the one kube-rs uses; two providers in one process
//! panic at run time).

use axum::Router;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;

/// How often the certificate and key files are checked for changes.
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// A certificate and key read from PEM files, swapped when the files change.
#[derive(Debug)]
pub struct ReloadingCert {
    cert: PathBuf,
    key: PathBuf,
    state: RwLock<(Arc<CertifiedKey>, Vec<u8>)>,
}

fn read_pair(cert: &Path, key: &Path) -> Result<(Arc<CertifiedKey>, Vec<u8>), String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let cert_pem = std::fs::read(cert).map_err(|e| format!("{}: {e}", cert.display()))?;
    let key_pem = std::fs::read(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate found", cert.display()));
    }
    let der = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|e| format!("{}: no PEM private key found ({e})", key.display()))?;
    let provider = rustls::crypto::ring::default_provider();
    let ck = CertifiedKey::from_der(certs, der, &provider)
        .map_err(|e| format!("certificate and key do not match or are invalid: {e}"))?;
    let mut stamp = cert_pem;
    stamp.extend_from_slice(&key_pem);
    Ok((Arc::new(ck), stamp))
}

impl ReloadingCert {
    /// Reads both files; an error names the file and what is wrong.
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<ReloadingCert>, String> {
        let state = read_pair(cert, key)?;
        Ok(Arc::new(ReloadingCert {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            state: RwLock::new(state),
        }))
    }

    /// Re-reads the files: `Ok(true)` when they changed and the new pair is now served,
    /// `Ok(false)` when unchanged, `Err` when the new pair is unusable (for example a key
    /// written before its certificate): the previous pair stays in use.
    pub fn reload(&self) -> Result<bool, String> {
        let (ck, stamp) = read_pair(&self.cert, &self.key)?;
        let Ok(mut state) = self.state.write() else {
            return Err("certificate state is unavailable".into());
        };
        if state.1 == stamp {
            return Ok(false);
        }
        *state = (ck, stamp);
        Ok(true)
    }

    /// Checks the files every [`RELOAD_EVERY`] for as long as the runtime runs; `log` is told
    /// of each reload and each failed attempt (once per distinct failure).
    pub fn watch(self: &Arc<Self>, log: impl Fn(Result<(), String>) + Send + 'static) {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut last_error = None;
            loop {
                tokio::time::sleep(RELOAD_EVERY).await;
                match me.reload() {
                    Ok(true) => {
                        last_error = None;
                        log(Ok(()));
                    }
                    Ok(false) => last_error = None,
                    Err(e) => {
                        if last_error.as_ref() != Some(&e) {
                            log(Err(e.clone()));
                            last_error = Some(e);
                        }
                    }
                }
            }
        });
    }

    /// A rustls acceptor serving the current pair.
    pub fn acceptor(self: &Arc<Self>) -> Result<tokio_rustls::TlsAcceptor, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.state.read().ok().map(|s| Arc::clone(&s.0))
    }
}

/// Serves `router` on `listener` (TLS when `tls` is given) until `shutdown` completes, then
/// lets open connections finish their current request (up to 10 s).
pub async fn run(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(s) => s,
                    // Out of file descriptors and similar: back off rather than spin.
                    Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
                };
                let _ = stream.set_nodelay(true);
                let tls = tls.clone();
                let router = router.clone();
                let mut stop = stop_rx.clone();
                tasks.spawn(async move {
                    let service = hyper_util::service::TowerToHyperService::new(router);
                    match tls {
                        Some(acceptor) => {
                            let Ok(Ok(stream)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await else { return };
                            serve_conn(hyper_util::rt::TokioIo::new(stream), service, &mut stop).await;
                        }
                        None => serve_conn(hyper_util::rt::TokioIo::new(stream), service, &mut stop).await,
                    }
                });
            }
            _ = &mut shutdown => break,
        }
        // Reap finished connections so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}

async fn serve_conn<I>(
    io: I,
    service: hyper_util::service::TowerToHyperService<Router>,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stopped(stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        let done = *stop.borrow_and_update();
        if done || stop.changed().await.is_err() {
            return;
        }
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
