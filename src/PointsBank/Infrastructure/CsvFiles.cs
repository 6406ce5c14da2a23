using System.Globalization;
using System.Text;
using CsvHelper;
using MiniExcelLibs;

namespace PointsBank.Infrastructure;

/// <summary>A table to download as CSV: a file name, the header row and the rows, all as text already formatted.</summary>
public sealed record CsvTable(string FileName, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>
/// A report that can also be downloaded as CSV (<c>?format=csv</c>) or as an Excel workbook (<c>?format=xlsx</c>, the
/// same table on one sheet), see <see cref="EndpointMapping.MapReport{TRequest}"/>.
/// </summary>
public interface ICsvReport
{
    CsvTable ToCsv();
}

/// <summary>
/// The one way CSV is written (CsvHelper, RFC 4180 quoting): UTF-8 with a byte-order mark, so Excel on a village
/// office PC opens Chinese text correctly with a double click.
/// </summary>
public static class CsvFiles
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static byte[] Write(CsvTable table)
    {
        using var buffer = new MemoryStream();
        using (var text = new StreamWriter(buffer, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), leaveOpen: true))
        using (var csv = new CsvWriter(text, CultureInfo.InvariantCulture))
        {
            foreach (var name in table.Header)
            {
                csv.WriteField(name);
            }
            csv.NextRecord();
            foreach (var row in table.Rows)
            {
                foreach (var field in row)
                {
                    csv.WriteField(field);
                }
                csv.NextRecord();
            }
        }
        return buffer.ToArray();
    }

    /// <summary>The file as an HTTP answer, offered for download under its file name.</summary>
    public static IResult Result(CsvTable table) => TypedResults.File(Write(table), ContentType, table.FileName);

    public const string XlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>
    /// The same table as an .xlsx workbook (MiniExcel): one sheet, the header row first, every cell as text so that
    /// door-plate codes, phones and receipt numbers keep their leading zeros and Excel shows them as written.
    /// </summary>
    public static byte[] WriteXlsx(CsvTable table)
    {
        var rows = new[] { table.Header }.Concat(table.Rows).Select(values =>
        {
            var row = new Dictionary<string, object>();
            for (var i = 0; i < table.Header.Count; i++)
            {
                row[ColumnName(i)] = i < values.Count ? values[i] ?? "" : "";
            }
            return row;
        }).ToList();
        using var buffer = new MemoryStream();
        buffer.SaveAs(rows, printHeader: false, sheetName: SheetName(table.FileName));
        return buffer.ToArray();
    }

    /// <summary>The workbook as an HTTP answer, under the CSV's file name with .xlsx.</summary>
    public static IResult XlsxResult(CsvTable table) =>
        TypedResults.File(WriteXlsx(table), XlsxContentType, Path.ChangeExtension(table.FileName, ".xlsx"));

    // Excel's column names A … Z, AA …; a sheet name is at most 31 characters, without []:*?/\.
    private static string ColumnName(int column) => column < 26 ? ((char)('A' + column)).ToString() : ColumnName(column / 26 - 1) + ColumnName(column % 26);

    private static string SheetName(string fileName)
    {
        var name = new string(Path.GetFileNameWithoutExtension(fileName).Where(c => c is not ('[' or ']' or ':' or '*' or '?' or '/' or '\\')).ToArray());
        return name.Length == 0 ? "Sheet1" : name.Length > 31 ? name[..31] : name;
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Yuan(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
