//! What doudian shows: orders as `shop_order_detail` objects (money in fen, Unix seconds, the
//! receiver encrypted with masked copies beside it and plain division names in `post_addr`), and the
//! response envelopes `{code, msg, sub_code, sub_msg, log_id, data}`.

use serde_json::{Value, json};

use crate::douyin::shop::{Line, Order, Secret, Shop};

/// An error as doudian answers it (HTTP 200): the code, its message, and the sub code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DouyinError {
    pub code: u32,
    pub msg: String,
    pub sub_code: String,
    pub sub_msg: String,
}

impl DouyinError {
    pub fn new(code: u32, sub_code: &str, sub_msg: &str) -> DouyinError {
        let msg = match code {
            20000 => "服务不可用",
            30001 => "操作权限不足",
            40001 => "缺少必选参数（平台校验）",
            40002 => "缺少必选参数（业务校验）",
            40003 => "非法的参数（平台校验）",
            40004 => "非法的参数（业务校验）",
            50001 => "平台处理失败",
            50002 => "业务处理失败",
            60000 => "触发限流，请稍后重试",
            70000 => "接口服务已下线",
            _ => "其他异常",
        };
        DouyinError {
            code,
            msg: msg.to_owned(),
            sub_code: sub_code.to_owned(),
            sub_msg: sub_msg.to_owned(),
        }
    }

    pub fn body(&self, log_id: &str) -> Value {
        json!({
            "code": self.code,
            "msg": self.msg,
            "sub_code": self.sub_code,
            "sub_msg": self.sub_msg,
            "log_id": log_id,
            "data": {},
        })
    }
}

/// A success envelope around `data`.
pub fn success(data: Value, log_id: &str) -> Value {
    json!({
        "code": 10000,
        "msg": "success",
        "sub_code": "",
        "sub_msg": "",
        "log_id": log_id,
        "data": data,
    })
}

/// `张三丰` → `张**`.
pub(crate) fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    first + &"*".repeat(chars.count())
}

/// `13812345678` → `1**********`: only the first digit shows.
pub(crate) fn mask_tel(tel: &str) -> String {
    let mut chars = tel.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    first + &"*".repeat(chars.count())
}

/// `文三路478号` → `文*路***号`: the first character and the words that give the address its shape stay.
pub(crate) fn mask_detail(detail: &str) -> String {
    const SHAPE: &str = "路街道巷弄号栋幢单元室楼座村组区苑园城";
    detail
        .chars()
        .enumerate()
        .map(|(i, c)| match i == 0 || SHAPE.contains(c) {
            true => c,
            false => '*',
        })
        .collect()
}

fn seconds(t: Option<domain::Timestamp>) -> i64 {
    t.map(|it| it.unix_millis().div_euclid(1000)).unwrap_or(0)
}

/// The order as `order.orderDetail` (and each `order.searchList` entry) shows it.
pub fn order_json(shop: &Shop, order: &Order) -> Value {
    let receiver = &order.receiver;
    let place = receiver.place;
    let street = place.streets[receiver.street];
    let division = |(name, id): (&str, u64)| json!({ "name": name, "id": id.to_string() });
    let post_addr = json!({
        "province": division(place.province),
        "city": division(place.city),
        "town": division(place.district),
        "street": division(street),
        "detail": "",
        "encrypt_detail": shop.cipher(order, Secret::Detail),
    });
    let mask_post_addr = json!({
        "province": division(place.province),
        "city": division(place.city),
        "town": division(place.district),
        "street": division(street),
        "detail": mask_detail(&receiver.detail),
    });
    let lines: Vec<Value> = order
        .lines
        .iter()
        .map(|line| line_json(order, line))
        .collect();
    let parcels: Vec<Value> = order
        .parcels
        .iter()
        .enumerate()
        .map(|(index, parcel)| {
            let products: Vec<Value> = order
                .lines
                .iter()
                .filter(|it| it.parcel == Some(index))
                .map(|it| {
                    json!({
                        "sku_order_id": it.order_id.to_string(),
                        "product_id": it.product.product_id,
                        "sku_id": it.sku().sku_id,
                        "product_name": it.product.name,
                        "product_count": it.num,
                    })
                })
                .collect();
            json!({
                "tracking_no": parcel.tracking_no,
                "company": parcel.company_code,
                "company_name": crate::douyin::gateway::carrier_name(&parcel.company_code),
                "ship_time": seconds(Some(parcel.ship_time)),
                "delivery_id": format!("{}-{}", order.order_id, index + 1),
                "product_info": products,
            })
        })
        .collect();
    let promotion = order.promotion_amount();
    let mut all = json!({
        "order_id": order.order_id.to_string(),
        "shop_id": shop.shop_id,
        "shop_name": shop.name,
        "order_level": 2,
        "order_type": 0,
        "order_type_desc": "普通订单",
        "biz": 2,
        "b_type": 2,
        "trade_type": 0,
        "order_status": order.status.code(),
        "order_status_desc": order.status.desc(),
        "main_status": order.status.code(),
        "main_status_desc": order.status.desc(),
        "create_time": seconds(Some(order.create_time)),
        "pay_time": seconds(order.pay_time),
        "update_time": seconds(Some(order.update_time)),
        "finish_time": seconds(order.finish_time),
        "ship_time": seconds(order.ship_time),
        "exp_ship_time": order.pay_time.map(|it| seconds(Some(it)) + 48 * 3600).unwrap_or(0),
        "pay_type": 1,
        "order_amount": order.order_amount(),
        "pay_amount": order.pay_amount(),
        "post_amount": order.post_amount,
        "promotion_amount": promotion,
        "promotion_shop_amount": promotion - order.platform_promotion,
        "promotion_platform_amount": order.platform_promotion,
        "promotion_talent_amount": 0,
        "promotion_pay_amount": 0,
        "modify_amount": 0,
    });
    let rest = json!({
        "buyer_words": order.buyer_words,
        "seller_words": order.seller_words,
        "seller_remark_stars": order.seller_remark_stars,
        "doudian_open_id": order.open_id,
        "open_id": "",
        "user_nick_name": mask_name(&order.nick),
        "encrypt_post_receiver": shop.cipher(order, Secret::Name),
        "encrypt_post_tel": shop.cipher(order, Secret::Tel),
        "mask_post_receiver": mask_name(&receiver.name),
        "mask_post_tel": mask_tel(&receiver.tel),
        "post_addr": post_addr,
        "mask_post_addr": mask_post_addr,
        "sku_order_list": lines,
        "logistics_info": parcels,
    });
    if let (Value::Object(all), Value::Object(rest)) = (&mut all, rest) {
        all.extend(rest);
    }
    all
}

fn line_json(order: &Order, line: &Line) -> Value {
    let sku = line.sku();
    let spec: Vec<Value> = sku
        .spec
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect();
    let (after_sale_status, refund_status) = line.after_sale.codes();
    json!({
        "order_id": line.order_id.to_string(),
        "parent_order_id": order.order_id.to_string(),
        "order_level": 3,
        "product_id": line.product.product_id,
        "product_name": line.product.name,
        "sku_id": sku.sku_id,
        "out_sku_id": sku.code,
        "code": sku.code,
        "spec": spec,
        "item_num": line.num,
        "goods_price": line.price,
        "origin_amount": line.amount(),
        "order_amount": line.amount(),
        "pay_amount": line.pay_amount(),
        "promotion_amount": line.promotion,
        "order_status": line.status.code(),
        "order_status_desc": line.status.desc(),
        "main_status": line.status.code(),
        "create_time": seconds(Some(order.create_time)),
        "pay_time": seconds(order.pay_time),
        "update_time": seconds(Some(order.update_time)),
        "after_sale_info": {
            "after_sale_status": after_sale_status,
            "after_sale_type": after_sale_type(line),
            "refund_status": refund_status,
        },
    })
}

/// 0 none (or return and refund), 1 refund after shipping, 2 refund before shipping.
fn after_sale_type(line: &Line) -> u32 {
    match (line.after_sale, line.parcel) {
        (crate::douyin::shop::AfterSale::None, _) => 0,
        (_, Some(_)) => 1,
        (_, None) => 2,
    }
}

#[cfg(test)]
mod tests {
    use crate::douyin::wire::{mask_detail, mask_name, mask_tel};

    #[test]
    fn masks_look_like_doudian() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_tel("13812345678"), "1**********");
        assert_eq!(mask_detail("文三路478号"), "文*路***号");
    }
}
