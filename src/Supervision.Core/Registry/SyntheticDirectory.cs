using Supervision.Core.Reference;

namespace Supervision.Core.Registry;

/// <summary>
/// Reproducible synthetic directory for demos, tests and benchmarks: Liaoning market entities,
/// inspectors, departments and inspection items. Every entity and inspector is a pure function of
/// (seed, index) through its own <see cref="SplitMix64"/> stream, so the same seed gives the same
/// records — and byte-identical CSV — whatever the degree of parallelism. Credit codes are unique:
/// the organization-code body is an affine bijection of the index (8 digits for entities registered
/// before 2015-10-01, "MA" + 6 characters after), and both check characters are computed.
/// </summary>
public sealed class SyntheticDirectory
{
    /// <summary>Upper bound on <see cref="EntityCount"/> (the smaller of the two body spaces).</summary>
    public const long MaxEntities = 100_000_000;

    private const long OldSpace = 100_000_000; // 8 digits
    private const long NewSpace = 887_503_681; // 31^6
    private const int ChunkSize = 32_768;

    private static readonly DateOnly NewCodesFrom = new(2015, 10, 1);
    private static readonly DateOnly FirstRegistration = new(1985, 1, 1);
    private static readonly DateOnly LastRegistration = new(2024, 12, 31);

    private readonly ulong _entitySalt;
    private readonly ulong _inspectorSalt;
    private readonly ulong _oldA;
    private readonly ulong _oldB;
    private readonly ulong _newA;
    private readonly ulong _newB;
    private readonly County[] _counties;
    private readonly int[] _countyCumulative;
    private readonly (string Agency, DepartmentRecord Department)[] _cityDepartments;
    private readonly Dictionary<string, string[]> _itemsByAgency;

    public SyntheticDirectory(ulong seed, long entityCount, int inspectorCount, ReferenceData? reference = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(entityCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(entityCount, MaxEntities);
        ArgumentOutOfRangeException.ThrowIfNegative(inspectorCount);
        Seed = seed;
        EntityCount = entityCount;
        InspectorCount = inspectorCount;
        Reference = reference ?? ReferenceData.Default;

        var setup = new SplitMix64(SplitMix64.Mix(seed ^ 0x5EED_D1EC_7041_0001UL));
        _entitySalt = setup.NextUInt64();
        _inspectorSalt = setup.NextUInt64();
        _oldA = CoprimeMultiplier(ref setup, OldSpace, 2, 5);
        _oldB = setup.NextUInt64() % OldSpace;
        _newA = CoprimeMultiplier(ref setup, NewSpace, 31, 31);
        _newB = setup.NextUInt64() % NewSpace;

        (_counties, _countyCumulative) = BuildCounties(Reference);
        Departments = BuildDepartments(Reference);
        Items = BuildItems();
        _itemsByAgency = Items.GroupBy(i => i.Code.Split('-')[0]).ToDictionary(g => g.Key, g => g.Select(i => i.Code).ToArray());
        _cityDepartments = Departments.Where(d => d.DivisionCode != "210000")
            .Select(d => (d.Code.Split('-')[1], d)).ToArray();
    }

    public ulong Seed { get; }

    public long EntityCount { get; }

    public int InspectorCount { get; }

    public ReferenceData Reference { get; }

    /// <summary>The provincial department and one per Liaoning city for each of eight agencies.</summary>
    public IReadOnlyList<DepartmentRecord> Departments { get; }

    /// <summary>A demo random-inspection item list (owned by the provincial departments).</summary>
    public IReadOnlyList<InspectionItemRecord> Items { get; }

    public IEnumerable<MarketEntityRecord> Entities()
    {
        for (long i = 0; i < EntityCount; i++)
        {
            yield return Entity(i);
        }
    }

    public IEnumerable<InspectorRecord> Inspectors()
    {
        for (var i = 0; i < InspectorCount; i++)
        {
            yield return Inspector(i);
        }
    }

    /// <summary>The credit code of entity <paramref name="index"/> (cheaper than <see cref="Entity"/>).</summary>
    public string EntityCreditCode(long index)
    {
        var rng = EntityRng(index);
        var shape = Shape(ref rng, index);
        return shape.CreditCode;
    }

    /// <summary>Entity number <paramref name="index"/> (0-based), a pure function of seed and index.</summary>
    public MarketEntityRecord Entity(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Math.Max(EntityCount, 1));
        var rng = EntityRng(index);
        var s = Shape(ref rng, index);
        var county = s.County;
        var city = county.CityShort;
        var brand = string.Concat(Words.Brand[rng.Next(Words.Brand.Length)], Words.Brand[rng.Next(Words.Brand.Length)]);
        string name;
        if (s.Type == "92")
        {
            var shop = Words.ShopWords.TryGetValue(s.Industry, out var w) ? w : Words.DefaultShop;
            name = string.Concat(city, "市", county.Name, brand, shop[rng.Next(shop.Length)]);
        }
        else if (s.Type == "93")
        {
            name = string.Concat(county.Name, brand, Words.CoopWords[rng.Next(Words.CoopWords.Length)], "专业合作社");
        }
        else
        {
            var words = Words.IndustryWords.TryGetValue(s.Industry, out var w) ? w : Words.DefaultIndustry;
            var prefix = rng.Next(10) == 0 ? "辽宁" : city;
            name = string.Concat(prefix, brand, words[rng.Next(words.Length)], Words.CompanySuffix[Pick(ref rng, Words.CompanySuffixWeights)]);
        }

        var legalRep = PersonName(ref rng);
        var address = string.Concat("辽宁省", city, "市", county.Name, Words.Roads[rng.Next(Words.Roads.Length)], (1 + rng.Next(999)).ToString(System.Globalization.CultureInfo.InvariantCulture), "号");
        var statusRoll = rng.Next(1000);
        var status = statusRoll < 920 ? EntityStatusCodes.Open
            : statusRoll < 970 ? EntityStatusCodes.Deregistered
            : statusRoll < 990 ? EntityStatusCodes.Revoked
            : statusRoll < 993 ? EntityStatusCodes.Cancelled
            : EntityStatusCodes.MovedOut;
        var classRoll = rng.Next(100);
        var creditClass = classRoll < 20 ? "A" : classRoll < 80 ? "B" : classRoll < 95 ? "C" : "D";
        var tags = new List<string>(2);
        if (s.Industry is "52" or "62" or "13" or "14" && rng.Next(2) == 0)
        {
            tags.Add("食品经营");
        }

        if (s.Type == "91" && rng.Next(5) < 2)
        {
            tags.Add("小微企业");
        }

        if (rng.Next(50) == 0)
        {
            tags.Add("特种设备");
        }

        return new MarketEntityRecord
        {
            CreditCode = s.CreditCode,
            LegacyRegNo = s.LegacyRegNo,
            Name = name,
            EntityType = s.Type,
            IndustryCode = s.Industry,
            DivisionCode = county.Code,
            Address = address,
            LegalRepresentative = legalRep,
            Status = status,
            RegisteredOn = s.RegisteredOn,
            CreditClass = creditClass,
            Tags = tags.ToArray(),
        };
    }

    /// <summary>Inspector number <paramref name="index"/> (0-based), a pure function of seed and index.</summary>
    public InspectorRecord Inspector(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var rng = new SplitMix64(SplitMix64.Mix(_inspectorSalt ^ (ulong)index));
        // Market regulation holds about 40% of inspectors; the other agencies share the rest.
        (string Agency, DepartmentRecord Department) dept;
        if (rng.Next(10) < 4)
        {
            var scjg = _cityDepartments.Where(d => d.Agency == "SCJG").ToArray();
            dept = scjg[rng.Next(scjg.Length)];
        }
        else
        {
            dept = _cityDepartments[rng.Next(_cityDepartments.Length)];
        }

        var items = _itemsByAgency.TryGetValue(dept.Agency, out var list) ? list : [];
        var specialties = new List<string>();
        if (items.Length > 0)
        {
            var count = 1 + rng.Next(Math.Min(4, items.Length));
            var start = rng.Next(items.Length);
            for (var k = 0; k < count; k++)
            {
                specialties.Add(items[(start + k) % items.Length]);
            }
        }

        if (rng.Next(4) == 0)
        {
            specialties.Add(Words.SpecialtyTags[rng.Next(Words.SpecialtyTags.Length)]);
        }

        var conflicts = new List<string>();
        if (EntityCount > 0 && rng.Next(100) < 8)
        {
            var n = 1 + rng.Next(3);
            for (var k = 0; k < n; k++)
            {
                var code = EntityCreditCode((long)(rng.NextDouble() * EntityCount));
                if (!conflicts.Contains(code))
                {
                    conflicts.Add(code);
                }
            }
        }

        return new InspectorRecord
        {
            CertificateNo = string.Concat(dept.Department.DivisionCode.AsSpan(0, 4), index.ToString("D8", System.Globalization.CultureInfo.InvariantCulture)),
            Name = PersonName(ref rng),
            DepartmentCode = dept.Department.Code,
            CertificateExpiresOn = new DateOnly(2025, 1, 1).AddDays(rng.Next(6 * 365)),
            Specialties = specialties.ToArray(),
            Status = rng.Next(100) < 95 ? InspectorStatusCodes.Active : InspectorStatusCodes.Inactive,
            Conflicts = conflicts.ToArray(),
        };
    }

    /// <summary>
    /// Writes entities.csv (header + <see cref="EntityCount"/> rows). Chunks of rows are generated
    /// and encoded in parallel and written in index order, so the bytes do not depend on the
    /// number of cores. <paramref name="progress"/> receives the number of rows written so far.
    /// </summary>
    public void WriteEntitiesCsv(Stream stream, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        using (var header = new CsvUtf8Writer(stream))
        {
            DirectoryCsv.WriteHeader(header, DirectoryCsv.EntityColumns);
        }

        var chunks = (EntityCount + ChunkSize - 1) / ChunkSize;
        var batch = Math.Max(2, Environment.ProcessorCount * 2);
        var buffers = new MemoryStream[batch];
        for (var b = 0; b < batch; b++)
        {
            buffers[b] = new MemoryStream(ChunkSize * 200);
        }

        long written = 0;
        for (long first = 0; first < chunks; first += batch)
        {
            var count = (int)Math.Min(batch, chunks - first);
            Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, k =>
            {
                var ms = buffers[k];
                ms.SetLength(0);
                using var w = new CsvUtf8Writer(ms);
                var start = (first + k) * ChunkSize;
                var end = Math.Min(EntityCount, start + ChunkSize);
                for (var i = start; i < end; i++)
                {
                    DirectoryCsv.WriteEntityRow(w, Entity(i));
                }
            });
            for (var k = 0; k < count; k++)
            {
                stream.Write(buffers[k].GetBuffer(), 0, (int)buffers[k].Length);
                written = Math.Min(EntityCount, (first + k + 1) * ChunkSize);
            }

            progress?.Invoke(written);
        }

        stream.Flush();
    }

    public void WriteInspectorsCsv(Stream stream, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        using var w = new CsvUtf8Writer(stream);
        DirectoryCsv.WriteHeader(w, DirectoryCsv.InspectorColumns);
        for (var i = 0; i < InspectorCount; i++)
        {
            DirectoryCsv.WriteInspectorRow(w, Inspector(i));
            if ((i + 1) % 10_000 == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Invoke(i + 1);
            }
        }

        progress?.Invoke(InspectorCount);
    }

    public void WriteDepartmentsCsv(Stream stream) => DirectoryCsv.WriteDepartments(stream, Departments);

    public void WriteItemsCsv(Stream stream) => DirectoryCsv.WriteItems(stream, Items);

    // ---- internals ----

    private readonly record struct EntityShape(string Type, County County, string Industry, DateOnly RegisteredOn, string CreditCode, string? LegacyRegNo);

    private readonly record struct County(string Code, string Name, string CityShort);

    private SplitMix64 EntityRng(long index) => new(SplitMix64.Mix(_entitySalt ^ (ulong)index));

    /// <summary>The identity part of an entity: drawn first so the credit code alone is cheap.</summary>
    private EntityShape Shape(ref SplitMix64 rng, long index)
    {
        var typeRoll = rng.Next(100);
        var type = typeRoll < 62 ? "92" : typeRoll < 97 ? "91" : "93";
        var county = _counties[Cumulative(_countyCumulative, rng.Next(_countyCumulative[^1]))];
        var industry = type switch
        {
            "92" => Words.IndividualIndustries[Pick(ref rng, Words.IndividualIndustryWeights)],
            "93" => Words.CoopIndustries[Pick(ref rng, Words.CoopIndustryWeights)],
            _ => rng.Next(20) == 0
                ? (1 + rng.Next(90)).ToString("D2", System.Globalization.CultureInfo.InvariantCulture)
                : Words.EnterpriseIndustries[Pick(ref rng, Words.EnterpriseIndustryWeights)],
        };
        var span = LastRegistration.DayNumber - FirstRegistration.DayNumber + 1;
        var registered = DateOnly.FromDayNumber(FirstRegistration.DayNumber + rng.Next(span));
        // Registered at county level mostly, at the city's bureau for a fifth of enterprises.
        var authorityDivision = type == "91" && rng.Next(5) == 0 ? string.Concat(county.Code.AsSpan(0, 4), "00") : county.Code;

        Span<char> c = stackalloc char[16];
        c[0] = type[0];
        c[1] = type[1];
        authorityDivision.CopyTo(c[2..]);
        string? legacy = null;
        if (registered < NewCodesFrom)
        {
            var body = (ulong)((_oldA * (ulong)index + _oldB) % OldSpace);
            for (var k = 15; k >= 8; k--)
            {
                c[k] = (char)('0' + (int)(body % 10));
                body /= 10;
            }

            legacy = LegacyNumber(county.Code, c[8..16]);
        }
        else
        {
            var body = (ulong)((_newA * (ulong)index + _newB) % NewSpace);
            c[8] = 'M';
            c[9] = 'A';
            for (var k = 15; k >= 10; k--)
            {
                c[k] = CreditCode.Charset[(int)(body % 31)];
                body /= 31;
            }
        }

        return new EntityShape(type, county, industry, registered, CreditCode.Complete(c), legacy);
    }

    /// <summary>15 digits: division, the 8-digit body, and an ISO 7064 MOD 11,10 check digit.</summary>
    private static string LegacyNumber(string division, ReadOnlySpan<char> body)
    {
        Span<char> n = stackalloc char[15];
        division.CopyTo(n);
        body.CopyTo(n[6..]);
        var p = 10;
        for (var k = 0; k < 14; k++)
        {
            var sum = (p + (n[k] - '0')) % 10;
            p = (sum == 0 ? 10 : sum) * 2 % 11;
        }

        n[14] = (char)('0' + ((11 - p) % 10));
        return new string(n);
    }

    private static string PersonName(ref SplitMix64 rng)
    {
        var surname = Words.Surnames[rng.Next(Words.Surnames.Length)];
        var given = Words.Given[rng.Next(Words.Given.Length)];
        return rng.Next(3) == 0 ? string.Concat(surname, given) : string.Concat(surname, given, Words.Given[rng.Next(Words.Given.Length)]);
    }

    private static int Pick(ref SplitMix64 rng, int[] cumulative) => Cumulative(cumulative, rng.Next(cumulative[^1]));

    private static int Cumulative(int[] cumulative, int roll)
    {
        var lo = 0;
        var hi = cumulative.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (roll < cumulative[mid])
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    private static ulong CoprimeMultiplier(ref SplitMix64 rng, long space, int p1, int p2)
    {
        while (true)
        {
            var a = rng.NextUInt64() % (ulong)space;
            if (a > 1 && a % (ulong)p1 != 0 && a % (ulong)p2 != 0)
            {
                return a;
            }
        }
    }

    private static (County[], int[]) BuildCounties(ReferenceData reference)
    {
        var counties = new List<County>();
        var cumulative = new List<int>();
        var total = 0;
        foreach (var (prefix, weight) in Words.CityWeights)
        {
            var city = reference.Division(prefix + "00") ?? throw new InvalidOperationException($"reference data lacks city {prefix}00");
            var under = reference.CountiesUnder(prefix);
            if (under.Count == 0)
            {
                continue;
            }

            var each = Math.Max(1, weight * 1000 / under.Count);
            foreach (var c in under)
            {
                total += each;
                counties.Add(new County(c.Code, c.Name, city.Name.TrimEnd('市')));
                cumulative.Add(total);
            }
        }

        return (counties.ToArray(), cumulative.ToArray());
    }

    private static DepartmentRecord[] BuildDepartments(ReferenceData reference)
    {
        var result = new List<DepartmentRecord>();
        foreach (var (agency, provincial, city) in Words.Agencies)
        {
            result.Add(new DepartmentRecord($"210000-{agency}", "辽宁省" + provincial, "210000"));
        }

        foreach (var (prefix, _) in Words.CityWeights)
        {
            var cityName = reference.Division(prefix + "00")?.Name ?? prefix;
            foreach (var (agency, _, city) in Words.Agencies)
            {
                result.Add(new DepartmentRecord($"{prefix}00-{agency}", cityName + city, prefix + "00"));
            }
        }

        return result.ToArray();
    }

    private static InspectionItemRecord[] BuildItems()
    {
        string[] market = ["1", "A", "B", "C", "D", "E", "F", "6", "7", "8", "9", "10", "11", "12"];
        string[] onSite = ["1", "A", "E", "F", "3", "4", "5", "6", "7", "8"];
        string[] other = ["1", "A", "E", "F", "5", "6", "7", "8"];
        InspectionItemRecord Item(string code, string name, string basis, string method, bool key, string[] types, string[] industries, string[] results) => new()
        {
            Code = code,
            Name = name,
            DepartmentCode = "210000-" + code.Split('-')[0],
            LegalBasis = basis,
            Method = method,
            Key = key,
            EntityTypes = types,
            Industries = industries,
            ResultCodes = results,
        };
        return
        [
            Item("SCJG-001", "企业公示信息抽查", "《企业信息公示暂行条例》", InspectionMethods.Written, false, ["91", "93"], [], market),
            Item("SCJG-002", "个体工商户登记事项检查", "《促进个体工商户发展条例》", InspectionMethods.Written, false, ["92"], [], market),
            Item("SCJG-003", "食品经营者监督检查", "《中华人民共和国食品安全法》", InspectionMethods.OnSite, true, [], ["52", "62"], onSite),
            Item("SCJG-004", "食品生产者监督检查", "《中华人民共和国食品安全法》", InspectionMethods.OnSite, true, [], ["13", "14", "15"], onSite),
            Item("SCJG-005", "工业产品质量监督检查", "《中华人民共和国产品质量法》", InspectionMethods.OnSite, false, [], ["C"], onSite),
            Item("SCJG-006", "广告发布行为检查", "《中华人民共和国广告法》", InspectionMethods.Online, false, [], ["64", "72"], market),
            Item("SCJG-007", "计量器具使用情况检查", "《中华人民共和国计量法》", InspectionMethods.OnSite, false, [], ["51", "52"], onSite),
            Item("SCJG-008", "特种设备使用单位检查", "《中华人民共和国特种设备安全法》", InspectionMethods.OnSite, true, [], [], onSite),
            Item("SCJG-009", "价格行为检查", "《中华人民共和国价格法》", InspectionMethods.OnSite, false, [], ["F", "H"], market),
            Item("STHJ-001", "排污单位监督检查", "《中华人民共和国环境保护法》", InspectionMethods.OnSite, true, ["91"], ["B", "C", "D"], other),
            Item("STHJ-002", "大气污染防治检查", "《中华人民共和国大气污染防治法》", InspectionMethods.OnSite, false, ["91"], ["C", "44"], other),
            Item("YJGL-001", "生产经营单位安全生产检查", "《中华人民共和国安全生产法》", InspectionMethods.OnSite, true, [], ["B", "C"], other),
            Item("WSJK-001", "公共场所卫生监督检查", "《公共场所卫生管理条例》", InspectionMethods.OnSite, false, [], ["61", "80"], other),
            Item("JTYS-001", "道路运输经营者检查", "《中华人民共和国道路运输条例》", InspectionMethods.OnSite, false, [], ["54"], other),
            Item("WHLY-001", "旅行社经营行为检查", "《旅行社条例》", InspectionMethods.Written, false, ["91"], ["72"], other),
            Item("ZJ-001", "建设工程质量检查", "《建设工程质量管理条例》", InspectionMethods.OnSite, true, ["91"], ["E"], other),
            Item("NYNC-001", "农民专业合作社规范运行检查", "《中华人民共和国农民专业合作社法》", InspectionMethods.Written, false, ["93"], [], other),
            Item("NYNC-002", "农药经营检查", "《农药管理条例》", InspectionMethods.OnSite, false, [], ["51", "52"], other),
        ];
    }
}
