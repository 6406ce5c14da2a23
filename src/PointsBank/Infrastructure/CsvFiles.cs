using System.Globalization;
using System.Text;
using CsvHelper;

namespace PointsBank.Infrastructure;

/// <summary>A table to download as CSV: a file name, the header row and the rows, all as text already formatted.</summary>
public sealed record CsvTable(string FileName, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>A report that can also be downloaded as CSV (<c>?format=csv</c>, see <see cref="EndpointMapping.MapReport{TRequest}"/>).</summary>
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

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Yuan(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);
}
