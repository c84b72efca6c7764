using Dapper;
using Npgsql;

namespace Supervision.IntegrationTests.Publication;

/// <summary>
/// Published results written straight into the read model by SQL (PostgreSQL), for the index test and the search
/// benchmark: realistic Chinese names (city, district, a two-character brand from the characters below, a trade), one item
/// per publication. Entity i has the credit code <see cref="CreditCode"/>(i) and the brand <see cref="Brand"/>(i).
/// </summary>
public static class PublishedSeed
{
    public const string BrandCharacters = "永航兴盛华丰源泰和顺达通信诚宏鑫利嘉安康乐福瑞祥隆昌宝金银玉明光新海天星辰东南西北春秋云山川林森禾田美佳";

    public static string CreditCode(long i) => "9121" + i.ToString("D13", System.Globalization.CultureInfo.InvariantCulture) + "X";

    public static string Brand(long i)
    {
        var h = i * 2654435761L % 4294967296L;
        var n = BrandCharacters.Length;
        return string.Concat(BrandCharacters[(int)(h % n)], BrandCharacters[(int)(h / n % n)]);
    }

    public static async Task SeedAsync(string connectionString, long from, long to)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO published_results (publication_id, inspection_id, version, kind, task_id, task_name, entity_credit_code, entity_name,
                division_code, industry_code, lead_department, departments, inspected_on, approved_on, published_on, published_at, publication_due)
            SELECT 'TB' || (g % 500) || '/' || code || '/v1', 'TB' || (g % 500) || '/' || code, 1, 'initial', 'TB' || (g % 500), '基准任务' || (g % 500), code,
                   city || district || brand || trade,
                   '21' || lpad((1 + g % 14)::text, 2, '0') || lpad((2 + g % 9)::text, 2, '0'), lpad((10 + g % 80)::text, 2, '0') || '21',
                   'D' || (g % 20), ',D' || (g % 20) || ',', DATE '2025-01-01' + (g % 600)::int, DATE '2025-01-02' + (g % 600)::int,
                   DATE '2025-01-05' + (g % 600)::int, TIMESTAMPTZ '2025-01-05 02:00:00+00' + make_interval(days => (g % 600)::int), DATE '2025-02-01' + (g % 600)::int
            FROM (
                SELECT g, '9121' || lpad(g::text, 13, '0') || 'X' AS code,
                       (ARRAY['沈阳市','大连市','鞍山市','抚顺市','本溪市','丹东市','锦州市','营口市','阜新市','辽阳市','盘锦市','铁岭市','朝阳市','葫芦岛市'])[1 + (g % 14)::int] AS city,
                       (ARRAY['和平区','沈河区','铁西区','中山区','西岗区','立山区','新抚区','平山区','振兴区'])[1 + (g % 9)::int] AS district,
                       substr(@chars, 1 + ((g * 2654435761 % 4294967296) % @n)::int, 1) || substr(@chars, 1 + ((g * 2654435761 % 4294967296) / @n % @n)::int, 1) AS brand,
                       (ARRAY['家政服务部','餐饮店','超市','药店','五金商行','服装店','汽车维修厂','建材经销处','农业专业合作社','科技有限公司','商贸有限公司','美容美发店'])[1 + (g / 7 % 12)::int] AS trade
                FROM generate_series(@from::bigint, @to::bigint) AS g
            ) s
            """, new { from, to, chars = BrandCharacters, n = (long)BrandCharacters.Length }, commandTimeout: 0);
        await connection.ExecuteAsync(
            """
            INSERT INTO published_result_items (publication_id, item_code, item_name, department_code, result_codes, inspected_on)
            SELECT publication_id, 'I1', '经营异常名录信息公示情况的检查', lead_department, CASE WHEN seq % 7 = 0 THEN 'A' ELSE '1' END, inspected_on
            FROM published_results WHERE publication_id LIKE 'TB%' AND entity_credit_code BETWEEN @lo AND @hi
            """, new { lo = CreditCode(from), hi = CreditCode(to) }, commandTimeout: 0);
        // Statistics and the visibility map (index-only scans), as a routinely vacuumed database has them; otherwise
        // autovacuum would work through the fresh rows in the middle of a benchmark. One statement each (VACUUM refuses
        // to run inside the implicit transaction of a multi-statement command).
        foreach (var table in new[] { "published_results", "published_result_items", "published_name_grams" })
            await connection.ExecuteAsync($"VACUUM ANALYZE {table}", commandTimeout: 0);
    }
}
