using System.Globalization;
using MiniExcelLibs;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>One problem in a roster workbook: where (sheet, 1-based row, column letter and its header) and what, in Chinese.</summary>
public sealed record RosterImportError(string Sheet, int Row, string Column, string ColumnName, string Message);

/// <summary>A 网格 row of the workbook.</summary>
public sealed record RosterGridLine(int Row, string Name);

/// <summary>
/// A 住户 row: the door-plate code (the household's key), its grid by name, the address, the head of household with
/// the household's phone, and the other members by name.
/// </summary>
/// <summary>A 住户 row; <see cref="Faulty"/> when it has a problem of form (it is still checked against the database, never written).</summary>
public sealed record RosterHouseholdLine(int Row, string Code, string Grid, string Address, string Head, string Phone, IReadOnlyList<string> Members,
    bool Faulty = false);

/// <summary>
/// The committee's roster workbook (.xlsx, MiniExcel): a 说明 sheet, a 网格 sheet (one grid name a row) and a 住户 sheet
/// (one household a row). The same layout is the template, what the import reads and what the roster export writes,
/// so an export, edited in Excel, imports again.
/// </summary>
public static class RosterWorkbook
{
    public const string ContentType = CsvFiles.XlsxContentType;
    public const string GuideSheet = "说明";
    public const string GridSheet = "网格";
    public const string HouseholdSheet = "住户";

    public static readonly string[] GridColumns = ["网格名称"];
    public static readonly string[] HouseholdColumns = ["门牌号", "网格", "地址", "户主姓名", "联系电话", "家庭成员"];

    /// <summary>Separators between members' names in the 家庭成员 cell: 、，,；; and spaces or line breaks.</summary>
    private static readonly char[] MemberSeparators = ['、', '，', ',', '；', ';', ' ', '\u3000', '\n', '\r', '\t'];

    private static readonly string[] Guide =
    [
        "积分银行 · 花名册导入模板",
        "1. 「网格」表：每行一个网格名称。表中没有、系统里也没有的网格不能在「住户」表中使用。",
        "2. 「住户」表：每行一户。门牌号必填且不能重复（它是这一户的编号）；网格填网格名称，可留空；户主姓名必填；联系电话是户主的电话，只能有数字、空格、+ 和 -。",
        "3. 家庭成员：户主以外的家人姓名，用顿号（、）、逗号或空格隔开。",
        "4. 先点「检查」（试导入）：每个问题都会列出工作表、行号和列，一个也不写入。全部改正后再点「导入」，整份表一次写入。",
        "5. 同一份表再导入一次不会有任何变化。改了某一户（地址、网格、户主电话、成员）再导入，会更新这一户并记入变更历史。",
        "6. 表中某户的成员少了一个人，这个人会被标记为「已迁出」（停用，不删除）；表中没有的户保持不变。",
        "示例：门牌号 一组-01，网格 一组，地址 幸福路 1 号，户主姓名 张建国，联系电话 13800138000，家庭成员 李秀英、张小明",
    ];

    /// <summary>The empty template the committee downloads: the guide, and the two data sheets with their headers only.</summary>
    public static byte[] Template() => Write([], []);

    /// <summary>A workbook in the import's layout (the template, the roster export, and tests).</summary>
    public static byte[] Write(IEnumerable<string> grids, IEnumerable<RosterHouseholdLine> households)
    {
        var sheets = new Dictionary<string, object>
        {
            [GuideSheet] = Rows(["说明"], Guide.Select(line => new[] { line })),
            [GridSheet] = Rows(GridColumns, grids.Select(g => new[] { g })),
            [HouseholdSheet] = Rows(HouseholdColumns, households.Select(h => new[]
                { h.Code, h.Grid, h.Address, h.Head, h.Phone, string.Join("、", h.Members) })),
        };
        using var stream = new MemoryStream();
        stream.SaveAs(sheets, printHeader: false);
        return stream.ToArray();
    }

    // The header is written as the first row (MiniExcel's own header row would vanish from an empty sheet); every
    // cell is text.
    private static List<Dictionary<string, object>> Rows(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        [.. new[] { header }.Concat(rows).Select(values =>
        {
            var row = new Dictionary<string, object>();
            for (var i = 0; i < header.Count; i++)
            {
                row[Letter(i)] = i < values.Count ? values[i] ?? "" : "";
            }
            return row;
        })];

    /// <summary>What <see cref="Read"/> found: the lines, and every problem of form (empty, too long, duplicate…).</summary>
    public sealed record Content(IReadOnlyList<RosterGridLine> Grids, IReadOnlyList<RosterHouseholdLine> Households, List<RosterImportError> Errors);

    /// <summary>
    /// Reads a workbook. Null when the bytes are not an .xlsx at all; otherwise the lines and the problems of form,
    /// each with its sheet, row and column. Checks against the database (unknown grid…) are the import's.
    /// </summary>
    public static Content? Read(byte[] workbook)
    {
        List<string> sheetNames;
        using var stream = new MemoryStream(workbook, writable: false);
        try
        {
            sheetNames = stream.GetSheetNames();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException or System.Xml.XmlException
                                      or ArgumentException or NullReferenceException or NotSupportedException)
        {
            return null;
        }
        var errors = new List<RosterImportError>();
        var grids = new List<RosterGridLine>();
        var households = new List<RosterHouseholdLine>();
        if (sheetNames.Contains(GridSheet))
        {
            foreach (var (row, cells) in Sheet(stream, GridSheet, GridColumns, errors))
            {
                var name = cells[0];
                if (Fields(errors, GridSheet, row, GridColumns, GridFields.Validate(name), null, ("name", 0)) && grids.FirstOrDefault(g => g.Name == name) is { } first)
                {
                    errors.Add(Error(GridSheet, row, 0, GridColumns, $"网格“{name}”与第 {first.Row} 行重复"));
                }
                else if (name.Length > 0)
                {
                    grids.Add(new RosterGridLine(row, name));
                }
            }
        }
        if (!sheetNames.Contains(HouseholdSheet))
        {
            errors.Add(new RosterImportError(HouseholdSheet, 1, "", "", $"缺少“{HouseholdSheet}”工作表：请用下载的模板填写"));
            return new Content(grids, households, errors);
        }
        var codes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (row, c) in Sheet(stream, HouseholdSheet, HouseholdColumns, errors))
        {
            var ok = Fields(errors, HouseholdSheet, row, HouseholdColumns, HouseholdFields.Validate(null, c[0], c[2]), null, ("code", 0), ("address", 2));
            if (ok && !codes.TryAdd(c[0], row))
            {
                errors.Add(Error(HouseholdSheet, row, 0, HouseholdColumns, $"门牌号“{c[0]}”与第 {codes[c[0]]} 行重复"));
                ok = false;
            }
            // The grid cell names a grid (the grid's own rules, blank allowed: no grid); the head and the phone are a resident's.
            ok &= c[1].Length == 0 || Fields(errors, HouseholdSheet, row, HouseholdColumns, GridFields.Validate(c[1]), null, ("name", 1));
            ok &= Fields(errors, HouseholdSheet, row, HouseholdColumns, ResidentFields.Validate(null, c[3], c[4]), null, ("fullName", 3), ("phone", 4));
            var members = c[5].Split(MemberSeparators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            foreach (var member in members)
            {
                ok &= Fields(errors, HouseholdSheet, row, HouseholdColumns, ResidentFields.Validate(null, member, null), $"成员“{member}”", ("fullName", 5));
            }
            var named = new HashSet<string>(StringComparer.Ordinal) { c[3] };
            foreach (var twice in members.Where(m => !named.Add(m)).Distinct())
            {
                errors.Add(Error(HouseholdSheet, row, 5, HouseholdColumns, $"“{twice}”在这一户中出现了两次（同一户的人要能按姓名区分）"));
                ok = false;
            }
            households.Add(new RosterHouseholdLine(row, c[0], c[1], c[2], c[3], c[4], members, Faulty: !ok));
        }
        return new Content(grids, households, errors);
    }

    /// <summary>The non-empty rows of a sheet after its header, as trimmed text cells, with their 1-based row numbers.</summary>
    private static IEnumerable<(int Row, string[] Cells)> Sheet(MemoryStream stream, string sheet, string[] columns, List<RosterImportError> errors)
    {
        stream.Position = 0;
        var rows = stream.Query(useHeaderRow: false, sheetName: sheet).Cast<IDictionary<string, object?>>().ToList();
        var header = rows.Count == 0 ? [] : Cells(rows[0], columns.Length);
        for (var i = 0; i < columns.Length; i++)
        {
            if (header.Length <= i || header[i] != columns[i])
            {
                errors.Add(Error(sheet, 1, i, columns, $"表头应为“{columns[i]}”：请用下载的模板，不要增删或移动列"));
                yield break;
            }
        }
        for (var r = 1; r < rows.Count; r++)
        {
            var cells = Cells(rows[r], columns.Length);
            if (cells.Any(c => c.Length > 0))
            {
                yield return (r + 1, cells);
            }
        }
    }

    private static string[] Cells(IDictionary<string, object?> row, int count)
    {
        var cells = new string[count];
        for (var i = 0; i < count; i++)
        {
            cells[i] = row.TryGetValue(Letter(i), out var value) ? Cell(value) : "";
        }
        return cells;
    }

    // Numbers typed into Excel (a door-plate 101, a phone 13800138000) come back as doubles: written without
    // exponent or fraction.
    private static string Cell(object? value) => (value switch
    {
        null => "",
        double d when d == Math.Floor(d) && Math.Abs(d) < 1e17 => d.ToString("0", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    }).Trim();

    /// <summary>Excel's name of a 0-based column: A … Z, AA …</summary>
    public static string Letter(int column) => column < 26 ? ((char)('A' + column)).ToString() : Letter(column / 26 - 1) + Letter(column % 26);

    private static RosterImportError Error(string sheet, int row, int column, string[] columns, string message) =>
        new(sheet, row, Letter(column), columns[column], message);

    // A row's cells checked by the same rules as the API's requests (GridFields, HouseholdFields, ResidentFields): each
    // problem goes to the column its field came from, its message led by the column's name (or by what). False when any.
    private static bool Fields(List<RosterImportError> errors, string sheet, int row, string[] columns, IEnumerable<FieldError> found,
        string? what, params (string Field, int Column)[] columnOf)
    {
        var ok = true;
        foreach (var e in found)
        {
            var column = columnOf.First(c => c.Field == e.Field).Column;
            errors.Add(Error(sheet, row, column, columns, $"{what ?? columns[column]}{e.Zh}"));
            ok = false;
        }
        return ok;
    }
}
