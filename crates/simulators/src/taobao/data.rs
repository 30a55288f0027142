//! The fixed tables generated trades draw from: buyers' names and nicknames, real places (province,
//! city, district and street office from the official division tables), streets and the catalogue.

/// A seller's item (`num_iid`) with its SKUs; an item without SKUs is sold by its `outer_iid`.
#[derive(Debug)]
pub struct Product {
    pub num_iid: u64,
    pub outer_iid: &'static str,
    pub title: &'static str,
    /// Price in fen of an item without SKUs.
    pub price: i64,
    pub skus: &'static [Sku],
}

#[derive(Debug)]
pub struct Sku {
    pub sku_id: u64,
    pub outer_sku_id: &'static str,
    /// `sku_properties_name`: `颜色分类:红色;尺码:M`.
    pub properties: &'static str,
    /// Price in fen.
    pub price: i64,
}

/// A receiver's place as TOP writes it: `receiver_state`, `receiver_city`, `receiver_district`,
/// street offices for `receiver_town`, and the zip code.
#[derive(Debug)]
pub struct Place {
    pub state: &'static str,
    pub city: &'static str,
    pub district: &'static str,
    pub towns: &'static [&'static str],
    pub zip: &'static str,
}

pub const CATALOGUE: &[Product] = &[
    Product {
        num_iid: 680_000_000_101,
        outer_iid: "TEA-LJ",
        title: "明前西湖龙井 特级 礼盒装",
        price: 0,
        skus: &[
            Sku {
                sku_id: 5_000_000_001_011,
                outer_sku_id: "TEA-LJ-250",
                properties: "净含量:250g",
                price: 26800,
            },
            Sku {
                sku_id: 5_000_000_001_012,
                outer_sku_id: "TEA-LJ-500",
                properties: "净含量:500g",
                price: 49800,
            },
        ],
    },
    Product {
        num_iid: 680_000_000_102,
        outer_iid: "TEA-PE",
        title: "云南普洱熟茶 357g 七子饼",
        price: 15900,
        skus: &[],
    },
    Product {
        num_iid: 680_000_000_103,
        outer_iid: "CUP-GL",
        title: "双层防烫玻璃杯 带茶隔",
        price: 0,
        skus: &[
            Sku {
                sku_id: 5_000_000_001_031,
                outer_sku_id: "CUP-GL-350-CL",
                properties: "容量:350ml;颜色分类:透明",
                price: 4900,
            },
            Sku {
                sku_id: 5_000_000_001_032,
                outer_sku_id: "CUP-GL-350-GR",
                properties: "容量:350ml;颜色分类:灰色",
                price: 4900,
            },
            Sku {
                sku_id: 5_000_000_001_033,
                outer_sku_id: "CUP-GL-500-CL",
                properties: "容量:500ml;颜色分类:透明",
                price: 5900,
            },
        ],
    },
    Product {
        num_iid: 680_000_000_104,
        outer_iid: "SET-GIFT",
        title: "功夫茶具套装 家用 整套",
        price: 0,
        skus: &[
            Sku {
                sku_id: 5_000_000_001_041,
                outer_sku_id: "SET-GIFT-A",
                properties: "套餐类型:A款 十件套",
                price: 39900,
            },
            Sku {
                sku_id: 5_000_000_001_042,
                outer_sku_id: "SET-GIFT-B",
                properties: "套餐类型:B款 十五件套",
                price: 56900,
            },
        ],
    },
    Product {
        num_iid: 680_000_000_105,
        outer_iid: "SNK-NUT",
        title: "每日坚果 混合果仁 30袋",
        price: 8900,
        skus: &[],
    },
    Product {
        num_iid: 680_000_000_106,
        outer_iid: "SNK-DATE",
        title: "新疆和田大枣 一级",
        price: 0,
        skus: &[
            Sku {
                sku_id: 5_000_000_001_061,
                outer_sku_id: "SNK-DATE-500",
                properties: "净含量:500g",
                price: 3290,
            },
            Sku {
                sku_id: 5_000_000_001_062,
                outer_sku_id: "SNK-DATE-1K",
                properties: "净含量:1000g",
                price: 5990,
            },
        ],
    },
    Product {
        num_iid: 680_000_000_107,
        outer_iid: "TSH-CT",
        title: "纯棉短袖T恤 男女同款",
        price: 0,
        skus: &[
            Sku {
                sku_id: 5_000_000_001_071,
                outer_sku_id: "TSH-CT-WH-M",
                properties: "颜色分类:白色;尺码:M",
                price: 7900,
            },
            Sku {
                sku_id: 5_000_000_001_072,
                outer_sku_id: "TSH-CT-WH-L",
                properties: "颜色分类:白色;尺码:L",
                price: 7900,
            },
            Sku {
                sku_id: 5_000_000_001_073,
                outer_sku_id: "TSH-CT-BK-M",
                properties: "颜色分类:黑色;尺码:M",
                price: 7900,
            },
            Sku {
                sku_id: 5_000_000_001_074,
                outer_sku_id: "TSH-CT-BK-XL",
                properties: "颜色分类:黑色;尺码:XL",
                price: 8500,
            },
        ],
    },
    Product {
        num_iid: 680_000_000_108,
        outer_iid: "SKN-CRM",
        title: "玻尿酸保湿面霜 50ml",
        price: 16800,
        skus: &[],
    },
    Product {
        num_iid: 680_000_000_109,
        outer_iid: "HBT-TWL",
        title: "新疆长绒棉毛巾 3条装",
        price: 0,
        skus: &[
            Sku {
                sku_id: 5_000_000_001_091,
                outer_sku_id: "HBT-TWL-BL",
                properties: "颜色分类:雾霾蓝",
                price: 3990,
            },
            Sku {
                sku_id: 5_000_000_001_092,
                outer_sku_id: "HBT-TWL-PK",
                properties: "颜色分类:樱花粉",
                price: 3990,
            },
        ],
    },
    Product {
        num_iid: 680_000_000_110,
        outer_iid: "RCE-WCX",
        title: "五常大米 稻花香 5kg",
        price: 6980,
        skus: &[],
    },
];

pub const PLACES: &[Place] = &[
    Place {
        state: "北京",
        city: "北京市",
        district: "朝阳区",
        towns: &["建外街道", "朝外街道", "呼家楼街道"],
        zip: "100020",
    },
    Place {
        state: "北京",
        city: "北京市",
        district: "海淀区",
        towns: &["万寿路街道", "羊坊店街道"],
        zip: "100036",
    },
    Place {
        state: "上海",
        city: "上海市",
        district: "闵行区",
        towns: &["江川路街道", "古美街道", "新虹街道"],
        zip: "201100",
    },
    Place {
        state: "上海",
        city: "上海市",
        district: "浦东新区",
        towns: &["陆家嘴街道", "潍坊新村街道", "周家渡街道"],
        zip: "200120",
    },
    Place {
        state: "天津",
        city: "天津市",
        district: "南开区",
        towns: &["长虹街道", "兴南街道"],
        zip: "300100",
    },
    Place {
        state: "重庆",
        city: "重庆市",
        district: "沙坪坝区",
        towns: &["小龙坎街道", "渝碚路街道"],
        zip: "400030",
    },
    Place {
        state: "广东省",
        city: "广州市",
        district: "天河区",
        towns: &["五山街道", "员村街道", "车陂街道"],
        zip: "510630",
    },
    Place {
        state: "广东省",
        city: "深圳市",
        district: "南山区",
        towns: &["南头街道", "南山街道", "沙河街道"],
        zip: "518052",
    },
    Place {
        state: "广东省",
        city: "佛山市",
        district: "禅城区",
        towns: &["张槎街道", "祖庙街道"],
        zip: "528000",
    },
    Place {
        state: "浙江省",
        city: "杭州市",
        district: "西湖区",
        towns: &["北山街道", "西溪街道", "翠苑街道"],
        zip: "310013",
    },
    Place {
        state: "浙江省",
        city: "杭州市",
        district: "余杭区",
        towns: &["五常街道", "仁和街道", "良渚街道"],
        zip: "311100",
    },
    Place {
        state: "浙江省",
        city: "宁波市",
        district: "鄞州区",
        towns: &["下应街道", "钟公庙街道"],
        zip: "315100",
    },
    Place {
        state: "江苏省",
        city: "南京市",
        district: "鼓楼区",
        towns: &["宁海路街道", "华侨路街道", "湖南路街道"],
        zip: "210008",
    },
    Place {
        state: "江苏省",
        city: "苏州市",
        district: "虎丘区",
        towns: &["狮山街道", "枫桥街道"],
        zip: "215011",
    },
    Place {
        state: "江苏省",
        city: "无锡市",
        district: "新吴区",
        towns: &["旺庄街道", "硕放街道"],
        zip: "214028",
    },
    Place {
        state: "四川省",
        city: "成都市",
        district: "武侯区",
        towns: &["浆洗街街道", "望江路街道", "玉林街道"],
        zip: "610041",
    },
    Place {
        state: "湖北省",
        city: "武汉市",
        district: "洪山区",
        towns: &["珞南街道", "关山街道", "狮子山街道"],
        zip: "430070",
    },
    Place {
        state: "陕西省",
        city: "西安市",
        district: "雁塔区",
        towns: &["小寨路街道", "大雁塔街道", "长延堡街道"],
        zip: "710061",
    },
    Place {
        state: "山东省",
        city: "青岛市",
        district: "崂山区",
        towns: &["中韩街道", "沙子口街道"],
        zip: "266061",
    },
    Place {
        state: "山东省",
        city: "济南市",
        district: "历下区",
        towns: &["解放路街道", "千佛山街道", "趵突泉街道"],
        zip: "250013",
    },
    Place {
        state: "福建省",
        city: "厦门市",
        district: "思明区",
        towns: &["厦港街道", "中华街道", "滨海街道"],
        zip: "361001",
    },
    Place {
        state: "福建省",
        city: "福州市",
        district: "鼓楼区",
        towns: &["鼓东街道", "鼓西街道", "温泉街道"],
        zip: "350001",
    },
    Place {
        state: "湖南省",
        city: "长沙市",
        district: "岳麓区",
        towns: &["望月湖街道", "岳麓街道"],
        zip: "410006",
    },
    Place {
        state: "河南省",
        city: "郑州市",
        district: "金水区",
        towns: &["经八路街道", "花园路街道"],
        zip: "450003",
    },
    Place {
        state: "辽宁省",
        city: "沈阳市",
        district: "和平区",
        towns: &["新华街道", "马路湾街道"],
        zip: "110001",
    },
    Place {
        state: "辽宁省",
        city: "大连市",
        district: "沙河口区",
        towns: &["春柳街道", "马栏街道"],
        zip: "116021",
    },
    Place {
        state: "黑龙江省",
        city: "哈尔滨市",
        district: "南岗区",
        towns: &["花园街道", "奋斗路街道"],
        zip: "150001",
    },
    Place {
        state: "云南省",
        city: "昆明市",
        district: "五华区",
        towns: &["华山街道", "护国街道", "大观街道"],
        zip: "650031",
    },
    Place {
        state: "安徽省",
        city: "合肥市",
        district: "蜀山区",
        towns: &["三里庵街道", "稻香村街道", "琥珀街道"],
        zip: "230031",
    },
    Place {
        state: "广西壮族自治区",
        city: "南宁市",
        district: "青秀区",
        towns: &["新竹街道", "中山街道", "建政街道"],
        zip: "530022",
    },
    Place {
        state: "河北省",
        city: "石家庄市",
        district: "长安区",
        towns: &["建北街道", "青园街道"],
        zip: "050011",
    },
    Place {
        state: "山西省",
        city: "太原市",
        district: "小店区",
        towns: &["坞城街道", "营盘街道"],
        zip: "030006",
    },
    Place {
        state: "新疆维吾尔自治区",
        city: "乌鲁木齐市",
        district: "新市区",
        towns: &["北京路街道", "二工街道"],
        zip: "830011",
    },
    Place {
        state: "甘肃省",
        city: "兰州市",
        district: "城关区",
        towns: &["酒泉路街道", "张掖路街道"],
        zip: "730030",
    },
    Place {
        state: "贵州省",
        city: "贵阳市",
        district: "南明区",
        towns: &["新华路街道", "西湖路街道"],
        zip: "550001",
    },
    Place {
        state: "江西省",
        city: "南昌市",
        district: "青山湖区",
        towns: &["青山路街道", "上海路街道"],
        zip: "330029",
    },
    Place {
        state: "海南省",
        city: "海口市",
        district: "美兰区",
        towns: &["海府街道", "蓝天街道", "博爱街道"],
        zip: "570203",
    },
    // A county-level city under the province directly (省直辖县): TOP leaves the city empty and puts the
    // unit in the district.
    Place {
        state: "湖北省",
        city: "",
        district: "仙桃市",
        towns: &["沙嘴街道", "干河街道"],
        zip: "433000",
    },
];

pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "欧阳",
    "诸葛",
];

pub(crate) const GIVEN_NAMES: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "子涵", "梓萱", "浩然", "一诺", "欣怡",
    "宇轩", "雨桐",
];

/// Nickname stems; a digit suffix is added.
pub(crate) const NICKS: &[&str] = &[
    "tb",
    "小雨点",
    "happy_lily",
    "阿木木",
    "jason",
    "糖糖",
    "summer",
    "快乐的小猪",
    "kiki",
    "大白兔",
    "moon",
    "喵星人",
    "zhangxiaoming",
    "柠檬不萌",
    "peter",
    "一只鱼",
];

pub(crate) const STREETS: &[&str] = &[
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "和平路",
    "新华路",
    "文化路",
    "长江路",
    "黄河路",
    "学府路",
    "科技路",
    "创业路",
    "文三路",
    "滨江大道",
    "东风路",
    "光明路",
];

pub(crate) const COMMUNITIES: &[&str] = &[
    "阳光花园",
    "锦绣家园",
    "幸福里小区",
    "翠苑三区",
    "金色家园",
    "万科城",
    "保利花园",
    "绿城桂花园",
    "华润城",
    "碧桂园",
    "龙湖春江郦城",
    "世纪新城",
];

pub(crate) const BUYER_MESSAGES: &[&str] = &[
    "请尽快发货",
    "送人的，不要放价格单",
    "发顺丰可以吗？",
    "工作日白天家里没人，请放快递柜",
    "麻烦包装结实一点",
];

pub(crate) const SELLER_MEMOS: &[&str] = &[
    "已核对地址",
    "赠品：试用装一份",
    "客户要求周一后发",
    "老客户，优先发",
];

pub(crate) const REFUND_REASONS: &[&str] = &[
    "不想要了",
    "拍错/多拍",
    "地址信息填写错误",
    "协商一致退款",
    "未按约定时间发货",
];
