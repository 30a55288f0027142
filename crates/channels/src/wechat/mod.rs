//! WeChat Channels store (微信小店) through `api.weixin.qq.com/channels/ec`.
//!
//! API calls authenticate with an access token (no request signature). Message pushes in safe mode
//! use the WXBizMsgCrypt scheme: `timestamp`, `nonce` and `msg_signature` in the query, the message
//! AES-encrypted with the shop's EncodingAESKey in the body's `Encrypt`.

mod signer;

pub use self::signer::{
    AesKey, InvalidAesKey, Push, decrypt, encrypt, msg_signature, verify_and_decrypt,
};
