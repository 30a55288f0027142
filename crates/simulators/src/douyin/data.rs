//! The fixed tables generated orders draw from: the catalogue (doudian product and SKU ids with the
//! seller's codes), real places with their official division codes as `post_addr` carries them, and
//! buyers' names and nicknames.

/// A product (`product_id`) and its SKUs; on doudian every product is sold through at least one SKU.
#[derive(Debug)]
pub struct Product {
    pub product_id: u64,
    pub name: &'static str,
    pub skus: &'static [Sku],
}

#[derive(Debug)]
pub struct Sku {
    pub sku_id: u64,
    /// The seller's code (`code`, also `out_sku_id`): what our SKU tables map.
    pub code: &'static str,
    /// `spec`: `(name, value)` pairs.
    pub spec: &'static [(&'static str, &'static str)],
    /// Price in fen.
    pub price: i64,
}

/// A receiver's place as `post_addr` names it: (name, id) for province, city, district (`town`) and a
/// few streets.
#[derive(Debug)]
pub struct Place {
    pub province: (&'static str, u64),
    pub city: (&'static str, u64),
    pub district: (&'static str, u64),
    pub streets: &'static [(&'static str, u64)],
}

pub const CATALOGUE: &[Product] = &[
    Product {
        product_id: 3_600_000_000_000_000_101,
        name: "明前西湖龙井 特级 礼盒装",
        skus: &[
            Sku {
                sku_id: 1_700_000_000_000_001_011,
                code: "TEA-LJ-250",
                spec: &[("净含量", "250g")],
                price: 25800,
            },
            Sku {
                sku_id: 1_700_000_000_000_001_012,
                code: "TEA-LJ-500",
                spec: &[("净含量", "500g")],
                price: 47800,
            },
        ],
    },
    Product {
        product_id: 3_600_000_000_000_000_102,
        name: "云南普洱熟茶 357g 七子饼",
        skus: &[Sku {
            sku_id: 1_700_000_000_000_001_021,
            code: "TEA-PE",
            spec: &[("规格", "357g")],
            price: 14900,
        }],
    },
    Product {
        product_id: 3_600_000_000_000_000_103,
        name: "双层防烫玻璃杯 带茶隔",
        skus: &[
            Sku {
                sku_id: 1_700_000_000_000_001_031,
                code: "CUP-GL-350-CL",
                spec: &[("容量", "350ml"), ("颜色", "透明")],
                price: 4500,
            },
            Sku {
                sku_id: 1_700_000_000_000_001_032,
                code: "CUP-GL-350-GR",
                spec: &[("容量", "350ml"), ("颜色", "灰色")],
                price: 4500,
            },
            Sku {
                sku_id: 1_700_000_000_000_001_033,
                code: "CUP-GL-500-CL",
                spec: &[("容量", "500ml"), ("颜色", "透明")],
                price: 5500,
            },
        ],
    },
    Product {
        product_id: 3_600_000_000_000_000_105,
        name: "每日坚果 混合果仁 30袋 直播专享",
        skus: &[Sku {
            sku_id: 1_700_000_000_000_001_051,
            code: "SNK-NUT",
            spec: &[("规格", "30袋")],
            price: 7990,
        }],
    },
    Product {
        product_id: 3_600_000_000_000_000_106,
        name: "新疆和田大枣 一级",
        skus: &[
            Sku {
                sku_id: 1_700_000_000_000_001_061,
                code: "SNK-DATE-500",
                spec: &[("净含量", "500g")],
                price: 2990,
            },
            Sku {
                sku_id: 1_700_000_000_000_001_062,
                code: "SNK-DATE-1K",
                spec: &[("净含量", "1000g")],
                price: 5490,
            },
        ],
    },
    Product {
        product_id: 3_600_000_000_000_000_107,
        name: "纯棉短袖T恤 男女同款",
        skus: &[
            Sku {
                sku_id: 1_700_000_000_000_001_071,
                code: "TSH-CT-WH-M",
                spec: &[("颜色", "白色"), ("尺码", "M")],
                price: 6900,
            },
            Sku {
                sku_id: 1_700_000_000_000_001_072,
                code: "TSH-CT-WH-L",
                spec: &[("颜色", "白色"), ("尺码", "L")],
                price: 6900,
            },
            Sku {
                sku_id: 1_700_000_000_000_001_073,
                code: "TSH-CT-BK-M",
                spec: &[("颜色", "黑色"), ("尺码", "M")],
                price: 6900,
            },
            Sku {
                sku_id: 1_700_000_000_000_001_074,
                code: "TSH-CT-BK-XL",
                spec: &[("颜色", "黑色"), ("尺码", "XL")],
                price: 7500,
            },
        ],
    },
    Product {
        product_id: 3_600_000_000_000_000_108,
        name: "玻尿酸保湿面霜 50ml",
        skus: &[Sku {
            sku_id: 1_700_000_000_000_001_081,
            code: "SKN-CRM",
            spec: &[("规格", "50ml")],
            price: 15800,
        }],
    },
    Product {
        product_id: 3_600_000_000_000_000_110,
        name: "五常大米 稻花香 5kg",
        skus: &[Sku {
            sku_id: 1_700_000_000_000_001_101,
            code: "RCE-WCX",
            spec: &[("重量", "5kg")],
            price: 6590,
        }],
    },
];

/// Generated from the vendored official division tables (NBS 2023), so the codes are the real ones.
pub const PLACES: &[Place] = &[
    Place {
        province: ("北京市", 11),
        city: ("北京市", 110100),
        district: ("朝阳区", 110105),
        streets: &[
            ("建外街道", 110105001),
            ("朝外街道", 110105002),
            ("呼家楼街道", 110105003),
        ],
    },
    Place {
        province: ("北京市", 11),
        city: ("北京市", 110100),
        district: ("海淀区", 110108),
        streets: &[
            ("万寿路街道", 110108001),
            ("永定路街道", 110108002),
            ("羊坊店街道", 110108003),
        ],
    },
    Place {
        province: ("上海市", 31),
        city: ("上海市", 310100),
        district: ("闵行区", 310112),
        streets: &[
            ("江川路街道", 310112001),
            ("古美街道", 310112006),
            ("新虹街道", 310112008),
        ],
    },
    Place {
        province: ("上海市", 31),
        city: ("上海市", 310100),
        district: ("浦东新区", 310115),
        streets: &[
            ("潍坊新村街道", 310115004),
            ("陆家嘴街道", 310115005),
            ("周家渡街道", 310115007),
        ],
    },
    Place {
        province: ("天津市", 12),
        city: ("天津市", 120100),
        district: ("南开区", 120104),
        streets: &[
            ("长虹街道", 120104001),
            ("鼓楼街道", 120104002),
            ("兴南街道", 120104003),
        ],
    },
    Place {
        province: ("重庆市", 50),
        city: ("重庆市", 500100),
        district: ("沙坪坝区", 500106),
        streets: &[
            ("小龙坎街道", 500106001),
            ("沙坪坝街道", 500106002),
            ("渝碚路街道", 500106003),
        ],
    },
    Place {
        province: ("广东省", 44),
        city: ("广州市", 440100),
        district: ("天河区", 440106),
        streets: &[
            ("五山街道", 440106001),
            ("员村街道", 440106002),
            ("车陂街道", 440106003),
        ],
    },
    Place {
        province: ("广东省", 44),
        city: ("深圳市", 440300),
        district: ("南山区", 440305),
        streets: &[
            ("南头街道", 440305001),
            ("南山街道", 440305002),
            ("沙河街道", 440305003),
        ],
    },
    Place {
        province: ("广东省", 44),
        city: ("佛山市", 440600),
        district: ("禅城区", 440604),
        streets: &[
            ("石湾镇街道", 440604010),
            ("张槎街道", 440604011),
            ("祖庙街道", 440604012),
        ],
    },
    Place {
        province: ("浙江省", 33),
        city: ("杭州市", 330100),
        district: ("西湖区", 330106),
        streets: &[
            ("北山街道", 330106002),
            ("西溪街道", 330106004),
            ("翠苑街道", 330106005),
        ],
    },
    Place {
        province: ("浙江省", 33),
        city: ("杭州市", 330100),
        district: ("余杭区", 330110),
        streets: &[
            ("五常街道", 330110005),
            ("仁和街道", 330110009),
            ("良渚街道", 330110010),
        ],
    },
    Place {
        province: ("浙江省", 33),
        city: ("宁波市", 330200),
        district: ("鄞州区", 330212),
        streets: &[
            ("下应街道", 330212001),
            ("钟公庙街道", 330212002),
            ("梅墟街道", 330212004),
        ],
    },
    Place {
        province: ("江苏省", 32),
        city: ("南京市", 320100),
        district: ("鼓楼区", 320106),
        streets: &[
            ("宁海路街道", 320106001),
            ("华侨路街道", 320106002),
            ("湖南路街道", 320106003),
        ],
    },
    Place {
        province: ("江苏省", 32),
        city: ("苏州市", 320500),
        district: ("虎丘区", 320505),
        streets: &[
            ("横塘街道", 320505001),
            ("狮山街道", 320505002),
            ("枫桥街道", 320505003),
        ],
    },
    Place {
        province: ("四川省", 51),
        city: ("成都市", 510100),
        district: ("武侯区", 510107),
        streets: &[
            ("浆洗街街道", 510107001),
            ("望江路街道", 510107004),
            ("玉林街道", 510107005),
        ],
    },
    Place {
        province: ("湖北省", 42),
        city: ("武汉市", 420100),
        district: ("洪山区", 420111),
        streets: &[
            ("珞南街道", 420111001),
            ("关山街道", 420111002),
            ("狮子山街道", 420111003),
        ],
    },
    Place {
        province: ("陕西省", 61),
        city: ("西安市", 610100),
        district: ("雁塔区", 610113),
        streets: &[
            ("小寨路街道", 610113001),
            ("大雁塔街道", 610113002),
            ("长延堡街道", 610113003),
        ],
    },
    Place {
        province: ("山东省", 37),
        city: ("青岛市", 370200),
        district: ("崂山区", 370212),
        streets: &[
            ("中韩街道", 370212001),
            ("沙子口街道", 370212002),
            ("王哥庄街道", 370212003),
        ],
    },
    Place {
        province: ("山东省", 37),
        city: ("济南市", 370100),
        district: ("历下区", 370102),
        streets: &[
            ("解放路街道", 370102001),
            ("千佛山街道", 370102002),
            ("趵突泉街道", 370102003),
        ],
    },
    Place {
        province: ("福建省", 35),
        city: ("厦门市", 350200),
        district: ("思明区", 350203),
        streets: &[
            ("厦港街道", 350203001),
            ("中华街道", 350203003),
            ("滨海街道", 350203005),
        ],
    },
    Place {
        province: ("湖南省", 43),
        city: ("长沙市", 430100),
        district: ("岳麓区", 430104),
        streets: &[
            ("望月湖街道", 430104001),
            ("岳麓街道", 430104002),
            ("桔子洲街道", 430104003),
        ],
    },
    Place {
        province: ("河南省", 41),
        city: ("郑州市", 410100),
        district: ("金水区", 410105),
        streets: &[
            ("经八路街道", 410105001),
            ("花园路街道", 410105002),
            ("人民路街道", 410105003),
        ],
    },
    Place {
        province: ("云南省", 53),
        city: ("昆明市", 530100),
        district: ("五华区", 530102),
        streets: &[
            ("华山街道", 530102001),
            ("护国街道", 530102002),
            ("大观街道", 530102003),
        ],
    },
    Place {
        province: ("安徽省", 34),
        city: ("合肥市", 340100),
        district: ("蜀山区", 340104),
        streets: &[
            ("三里庵街道", 340104001),
            ("稻香村街道", 340104002),
            ("琥珀街道", 340104003),
        ],
    },
    Place {
        province: ("广西壮族自治区", 45),
        city: ("南宁市", 450100),
        district: ("青秀区", 450103),
        streets: &[
            ("新竹街道", 450103001),
            ("中山街道", 450103002),
            ("建政街道", 450103003),
        ],
    },
    Place {
        province: ("新疆维吾尔自治区", 65),
        city: ("乌鲁木齐市", 650100),
        district: ("新市区", 650104),
        streets: &[
            ("北京路街道", 650104001),
            ("二工街道", 650104002),
            ("三工街道", 650104003),
        ],
    },
    Place {
        province: ("辽宁省", 21),
        city: ("沈阳市", 210100),
        district: ("和平区", 210102),
        streets: &[
            ("浑河湾街道", 210102001),
            ("新华街道", 210102002),
            ("马路湾街道", 210102016),
        ],
    },
    Place {
        province: ("黑龙江省", 23),
        city: ("哈尔滨市", 230100),
        district: ("南岗区", 230103),
        streets: &[
            ("花园街道", 230103001),
            ("奋斗路街道", 230103002),
            ("革新街道", 230103003),
        ],
    },
    Place {
        province: ("甘肃省", 62),
        city: ("兰州市", 620100),
        district: ("城关区", 620102),
        streets: &[
            ("酒泉路街道", 620102001),
            ("张掖路街道", 620102002),
            ("雁南街道", 620102003),
        ],
    },
    Place {
        province: ("贵州省", 52),
        city: ("贵阳市", 520100),
        district: ("南明区", 520102),
        streets: &[
            ("新华路街道", 520102016),
            ("西湖路街道", 520102017),
            ("水口寺街道", 520102018),
        ],
    },
];

pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "欧阳",
];

pub(crate) const GIVEN_NAMES: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "霞", "平", "刚", "子涵", "梓萱", "浩然", "一诺", "欣怡", "宇轩", "雨桐",
];

/// Nickname stems of Douyin users; a digit suffix is added.
pub(crate) const NICKS: &[&str] = &[
    "用户",
    "小橘子",
    "追光的人",
    "momo",
    "阿狸",
    "奶茶不加糖",
    "sunny",
    "晚风",
    "柚子",
    "大熊",
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
    "学府路",
    "科技路",
    "创业路",
    "滨江大道",
    "东风路",
    "光明路",
];

pub(crate) const COMMUNITIES: &[&str] = &[
    "阳光花园",
    "锦绣家园",
    "幸福里小区",
    "金色家园",
    "万科城",
    "保利花园",
    "华润城",
    "碧桂园",
    "世纪新城",
    "龙湖天街",
];

pub(crate) const BUYER_WORDS: &[&str] = &[
    "主播说送小样，别忘了哦",
    "请尽快发货",
    "发顺丰可以吗？",
    "放快递柜就行",
    "包装结实一点，谢谢",
];

pub(crate) const SELLER_WORDS: &[&str] = &[
    "已核对地址",
    "赠品：试用装一份",
    "直播间福利单，优先发",
    "客户要求周一后发",
];
