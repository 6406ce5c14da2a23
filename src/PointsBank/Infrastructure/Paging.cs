namespace PointsBank.Infrastructure;

/// <summary>Page-number paging for every list: pages from 1, at most <see cref="MaxPageSize"/> items a page.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 100;

    public static IEnumerable<FieldError> Validate(int page, int pageSize) =>
        Check.Range("page", page, 1, 1_000_000).Concat(Check.Range("pageSize", pageSize, 1, MaxPageSize));

    public static long Skip(int page, int pageSize) => (long)(page - 1) * pageSize;
}
