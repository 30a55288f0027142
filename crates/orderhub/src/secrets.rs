//! Shops' credentials at rest: sealed with AES-256-GCM under the key in `ORDERHUB_SECRET_KEY` (64 hex
//! digits), bound to their shop and name, and kept by the store as opaque bytes. `orderhub secret set`
//! reads a value from standard input (never from the command line, which ends up in shell history);
//! `orderhub secret list` shows names and dates, never values.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, bail};
use app::Store;
use domain::{Shop, Timestamp};

/// The environment variable holding the key.
pub(crate) const KEY_VAR: &str = "ORDERHUB_SECRET_KEY";

/// Seals and opens credentials.
pub(crate) struct SecretBox(Aes256Gcm);

impl SecretBox {
    pub(crate) fn from_hex(text: &str) -> anyhow::Result<SecretBox> {
        let key = hex::decode(text.trim()).context("the secret key is not hex")?;
        if key.len() != 32 {
            bail!(
                "the secret key must be 32 bytes (64 hex digits), not {}",
                key.len()
            );
        }
        Ok(SecretBox(
            Aes256Gcm::new_from_slice(&key).context("the secret key")?,
        ))
    }

    /// The key from the environment, when set.
    pub(crate) fn from_env() -> anyhow::Result<Option<SecretBox>> {
        match std::env::var(KEY_VAR) {
            Ok(text) => SecretBox::from_hex(&text).map(Some),
            Err(_) => Ok(None),
        }
    }

    fn slot(shop: &str, name: &str) -> Vec<u8> {
        format!("orderhub/{shop}/{name}").into_bytes()
    }

    /// `nonce (12 bytes) ‖ ciphertext`, the shop and name as associated data.
    pub(crate) fn seal(&self, shop: &str, name: &str, plain: &str) -> anyhow::Result<Vec<u8>> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = SecretBox::slot(shop, name);
        let sealed = self
            .0
            .encrypt(
                &nonce,
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing {name} of {shop} failed"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    pub(crate) fn open(&self, shop: &str, name: &str, sealed: &[u8]) -> anyhow::Result<String> {
        if sealed.len() < 12 {
            bail!("{name} of shop {shop:?} is not a sealed secret");
        }
        let (nonce, body) = sealed.split_at(12);
        let aad = SecretBox::slot(shop, name);
        let plain = self
            .0
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: &aad })
            .map_err(|_| {
                anyhow::anyhow!(
                    "{name} of shop {shop:?} does not open with this {KEY_VAR} (another key, or altered)"
                )
            })?;
        String::from_utf8(plain).context("a sealed secret is not text")
    }
}

/// A shop's credential: from the named environment variable when the configuration names one, else
/// from the store, opened with the key.
pub(crate) async fn resolve(
    store: &dyn Store,
    shop: &Shop,
    name: &str,
    env: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if let Some(var) = env {
        return std::env::var(var).map(Some).with_context(|| {
            format!(
                "shop {:?}: {name} is read from ${var}, which is not set",
                shop.code
            )
        });
    }
    let Some(sealed) = store.secret(shop.id, name).await? else {
        return Ok(None);
    };
    let key = SecretBox::from_env()?.with_context(|| {
        format!(
            "shop {:?}: {name} is stored sealed; set {KEY_VAR}",
            shop.code
        )
    })?;
    key.open(&shop.code, name, &sealed).map(Some)
}

/// Seals and stores a credential.
pub(crate) async fn store(
    store: &dyn Store,
    shop: &Shop,
    name: &str,
    value: &str,
    at: Timestamp,
) -> anyhow::Result<()> {
    let key = SecretBox::from_env()?.with_context(|| format!("set {KEY_VAR} to store secrets"))?;
    let sealed = key.seal(&shop.code, name, value)?;
    store.put_secret(shop.id, name, &sealed, at).await?;
    Ok(())
}

#[derive(clap::Subcommand, Debug)]
pub(crate) enum SecretCommand {
    /// Seal and keep a shop's credential (app_secret, session or refresh_token), read from stdin.
    Set {
        #[arg(long)]
        shop: String,
        #[arg(long)]
        name: String,
    },
    /// The names of a shop's kept credentials and when each was set (never the values).
    List {
        #[arg(long)]
        shop: String,
    },
}

pub(crate) async fn run(
    store: &dyn Store,
    command: SecretCommand,
    at: Timestamp,
) -> anyhow::Result<()> {
    let find = |code: &str, shops: &[Shop]| {
        shops
            .iter()
            .find(|it| it.code == code)
            .cloned()
            .with_context(|| format!("unknown shop {code:?}"))
    };
    let shops = store.shops().await?;
    match command {
        SecretCommand::Set { shop, name } => {
            if !["app_secret", "session", "refresh_token"].contains(&name.as_str()) {
                bail!("--name is app_secret, session or refresh_token, not {name:?}");
            }
            let shop = find(&shop, &shops)?;
            let mut value = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut value)?;
            let value = value.trim();
            if value.is_empty() {
                bail!("no value on standard input");
            }
            self::store(store, &shop, &name, value, at).await?;
            println!("{name} of {} sealed and kept", shop.code);
        }
        SecretCommand::List { shop } => {
            let shop = find(&shop, &shops)?;
            for (name, updated) in store.secret_names(shop.id).await? {
                println!("{name:<14} set {}", mapping::rfc3339(updated, 480));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::secrets::SecretBox;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn sealed_secrets_open_only_in_their_slot_with_their_key() {
        let key = SecretBox::from_hex(KEY).unwrap();
        let sealed = key.seal("tmall-flagship", "session", "6100abc").unwrap();
        assert!(
            !sealed.windows(7).any(|it| it == b"6100abc"),
            "no plain text at rest"
        );
        assert_eq!(
            key.open("tmall-flagship", "session", &sealed).unwrap(),
            "6100abc"
        );
        assert!(
            key.open("tmall-flagship", "app_secret", &sealed).is_err(),
            "another slot"
        );
        assert!(
            key.open("jd-main", "session", &sealed).is_err(),
            "another shop"
        );
        let mut altered = sealed.clone();
        *altered.last_mut().unwrap() ^= 1;
        assert!(key.open("tmall-flagship", "session", &altered).is_err());
        let other = SecretBox::from_hex(&KEY.replace("00", "ff")).unwrap();
        assert!(
            other.open("tmall-flagship", "session", &sealed).is_err(),
            "another key"
        );
        assert_ne!(
            sealed,
            key.seal("tmall-flagship", "session", "6100abc").unwrap(),
            "fresh nonces"
        );
        assert!(SecretBox::from_hex("abcd").is_err());
    }
}
