//! Access stories: users with unique logins, sessions that end, tokens that are revoked.

use app::{Error, NewUser};
use domain::{Permission, Role, WarehouseCode};
use test_support::TestDb;

use crate::stories::T0;

fn packer() -> NewUser {
    NewUser {
        login: "packer-jx".to_owned(),
        name: "嘉兴打包员".to_owned(),
        role: Role::Warehouse,
        warehouses: vec![WarehouseCode::new("JX01").unwrap()],
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
    }
}

pub(crate) async fn users_sessions_and_tokens(db: &TestDb) {
    let store = db.open().await;
    let user = store.create_user(&packer(), T0).await.unwrap();
    assert_eq!(store.user("packer-jx").await.unwrap(), Some(user.clone()));
    assert_eq!(store.user("nobody").await.unwrap(), None);
    let taken = store.create_user(&packer(), T0).await;
    assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
    assert_eq!(store.users().await.unwrap(), vec![user.clone()]);

    // A session lasts until it expires.
    let expires = T0.plus_millis(3_600_000);
    store
        .create_session(user.id, "key-hash", "csrf-1", expires, T0)
        .await
        .unwrap();
    let (found, csrf) = store.session("key-hash", T0).await.unwrap().unwrap();
    assert_eq!(
        (found.login.as_str(), csrf.as_str()),
        ("packer-jx", "csrf-1")
    );
    assert_eq!(store.session("key-hash", expires).await.unwrap(), None);
    assert_eq!(store.session("other", T0).await.unwrap(), None);
    store.end_session("key-hash").await.unwrap();
    assert_eq!(store.session("key-hash", T0).await.unwrap(), None);

    // A token is found by its hash until revoked; only its owner revokes it.
    let scopes = [Permission::ReadShipments, Permission::WorkShipments];
    let token = store
        .create_token(user.id, "station-1", "token-hash", &scopes, T0)
        .await
        .unwrap();
    let (owner, found) = store.token("token-hash").await.unwrap().unwrap();
    assert_eq!(owner.id, user.id);
    assert_eq!(found, token);
    assert_eq!(found.scopes, scopes);
    let other = store
        .create_user(
            &NewUser {
                login: "ops".to_owned(),
                role: Role::Operations,
                warehouses: Vec::new(),
                ..packer()
            },
            T0,
        )
        .await
        .unwrap();
    let refused = store.revoke_token(other.id, token.id, T0).await;
    assert!(matches!(refused, Err(Error::NotFound(_))), "{refused:?}");
    store.revoke_token(user.id, token.id, T0).await.unwrap();
    assert_eq!(store.token("token-hash").await.unwrap(), None);
    let listed = store.tokens(user.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].revoked_at, Some(T0));
}
