namespace Supervision.Core.Registry;

/// <summary>Word lists and weights the synthetic generator composes names and mixes from.</summary>
internal static class Words
{
    /// <summary>Liaoning prefecture prefixes with relative entity weights (Shenyang and Dalian largest).</summary>
    public static readonly (string Prefix, int Weight)[] CityWeights =
    [
        ("2101", 22), ("2102", 20), ("2103", 8), ("2104", 5), ("2105", 4), ("2106", 6), ("2107", 7),
        ("2108", 6), ("2109", 4), ("2110", 4), ("2111", 4), ("2112", 5), ("2113", 6), ("2114", 5),
    ];

    /// <summary>Agency key, provincial name, city name.</summary>
    public static readonly (string Key, string Provincial, string City)[] Agencies =
    [
        ("SCJG", "市场监督管理局", "市场监督管理局"),
        ("STHJ", "生态环境厅", "生态环境局"),
        ("YJGL", "应急管理厅", "应急管理局"),
        ("WSJK", "卫生健康委员会", "卫生健康委员会"),
        ("JTYS", "交通运输厅", "交通运输局"),
        ("WHLY", "文化和旅游厅", "文化旅游和广播电视局"),
        ("ZJ", "住房和城乡建设厅", "住房和城乡建设局"),
        ("NYNC", "农业农村厅", "农业农村局"),
    ];

    public static readonly string[] Brand =
    [
        "华", "瑞", "鑫", "盛", "恒", "达", "宏", "泰", "兴", "隆", "金", "德", "丰", "源", "祥", "安",
        "嘉", "信", "诚", "宇", "博", "天", "新", "星", "东", "北", "辽", "海", "润", "鼎", "汇", "通",
        "正", "明", "远", "志", "永", "佳", "和", "益", "利", "富", "康", "乐", "众", "合", "晟", "昊",
        "泽", "锦", "浩", "峰", "凯", "航", "顺", "昌", "茂", "裕", "旺", "辰", "久", "亿", "腾", "骏",
    ];

    public static readonly string[] CompanySuffix = ["有限公司", "有限责任公司", "股份有限公司", "集团有限公司", "商贸有限公司"];

    public static readonly int[] CompanySuffixWeights = Cumulate([75, 15, 5, 2, 3]);

    public static readonly string[] EnterpriseIndustries =
        ["51", "52", "72", "65", "64", "70", "48", "50", "74", "75", "33", "34", "13", "26", "54", "59", "62", "71", "58", "30", "36", "82", "47", "61"];

    public static readonly int[] EnterpriseIndustryWeights =
        Cumulate([22, 8, 12, 6, 3, 4, 4, 6, 5, 6, 3, 3, 2, 2, 4, 2, 3, 2, 3, 2, 1, 1, 2, 1]);

    public static readonly string[] IndividualIndustries = ["52", "62", "80", "81", "51", "54", "01", "18", "72", "50", "61"];

    public static readonly int[] IndividualIndustryWeights = Cumulate([35, 20, 12, 6, 6, 6, 3, 2, 3, 4, 3]);

    public static readonly string[] CoopIndustries = ["01", "03", "05", "02", "04", "13"];

    public static readonly int[] CoopIndustryWeights = Cumulate([45, 25, 15, 5, 5, 5]);

    public static readonly Dictionary<string, string[]> IndustryWords = new(StringComparer.Ordinal)
    {
        ["51"] = ["商贸", "贸易", "经贸", "物资"],
        ["52"] = ["商业", "超市", "百货"],
        ["72"] = ["企业管理咨询", "商务服务", "广告传媒"],
        ["65"] = ["软件技术", "信息技术", "数据科技"],
        ["64"] = ["网络科技", "互联网科技"],
        ["70"] = ["房地产开发", "置业"],
        ["48"] = ["路桥工程", "市政工程"],
        ["47"] = ["建筑工程", "建设工程"],
        ["50"] = ["装饰工程", "建筑装饰"],
        ["74"] = ["工程设计", "检测技术"],
        ["75"] = ["科技", "技术开发"],
        ["33"] = ["金属制品", "五金制品"],
        ["34"] = ["机械设备", "机械制造"],
        ["13"] = ["粮油", "农副产品加工"],
        ["26"] = ["化工", "精细化工"],
        ["54"] = ["运输", "物流"],
        ["59"] = ["仓储", "冷链物流"],
        ["62"] = ["餐饮管理", "饮食服务"],
        ["71"] = ["租赁", "设备租赁"],
        ["58"] = ["货运代理", "国际物流"],
        ["30"] = ["建材", "新型建材"],
        ["36"] = ["汽车配件", "汽车部件"],
        ["82"] = ["服务"],
        ["61"] = ["酒店管理", "宾馆"],
    };

    public static readonly string[] DefaultIndustry = ["实业", "发展", "科技"];

    public static readonly Dictionary<string, string[]> ShopWords = new(StringComparer.Ordinal)
    {
        ["52"] = ["便利店", "超市", "商店", "五金商店", "食杂店", "水果店"],
        ["62"] = ["饭店", "小吃部", "烧烤店", "面馆", "饺子馆", "快餐店"],
        ["80"] = ["理发店", "洗衣店", "美容店", "家政服务部"],
        ["81"] = ["汽车修理部", "家电维修部", "修配部"],
        ["51"] = ["批发部", "商行"],
        ["54"] = ["货运部", "运输队"],
        ["01"] = ["种植园", "蔬菜大棚"],
        ["18"] = ["服装加工部", "制衣厂"],
        ["72"] = ["信息咨询部", "广告部"],
        ["50"] = ["装修部", "装饰部"],
        ["61"] = ["旅店", "宾馆"],
    };

    public static readonly string[] DefaultShop = ["经销部", "商店"];

    public static readonly string[] CoopWords = ["蔬菜种植", "水稻种植", "果树", "生猪养殖", "肉牛养殖", "农机", "食用菌", "中药材种植", "花卉"];

    public static readonly string[] Roads =
    [
        "中山路", "人民路", "解放路", "建设大街", "和平街", "胜利街", "新华路", "文化路", "青年大街", "北京街",
        "长江路", "黄河大街", "友谊街", "民主路", "工业街", "光明路", "站前街", "滨河路", "兴业街", "春风路",
    ];

    public static readonly string[] Surnames =
    [
        "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高", "罗",
        "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
        "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
        "石", "廖", "贾", "夏", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛", "闫", "段", "雷", "侯", "龙",
    ];

    public static readonly string[] Given =
    [
        "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
        "刚", "桂", "英", "华", "玉", "萍", "红", "建", "文", "辉", "力", "鹏", "宇", "浩", "凯", "峰", "东", "亮", "斌", "波",
        "宁", "欣", "雪", "琳", "晶", "佳", "颖", "鑫", "博", "旭",
    ];

    public static readonly string[] SpecialtyTags = ["食品安全", "特种设备", "计量", "广告监测", "财务审计", "环境监测", "安全生产"];

    private static int[] Cumulate(int[] weights)
    {
        var c = new int[weights.Length];
        var t = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            t += weights[i];
            c[i] = t;
        }

        return c;
    }
}
