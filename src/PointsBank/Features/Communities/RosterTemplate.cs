using MediatR;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Features.Communities;

/// <summary>The committee's empty roster workbook (说明, 网格, 住户 with Chinese headers). Committee and admins.</summary>
[Allow(Role.Committee, Role.Admin)]
public sealed record GetRosterTemplate(long CommunityId) : IRequest<Outcome<byte[]>>, IQuery, ICommunityScoped;

sealed class GetRosterTemplateHandler : IRequestHandler<GetRosterTemplate, Outcome<byte[]>>
{
    public Task<Outcome<byte[]>> Handle(GetRosterTemplate request, CancellationToken ct) =>
        Task.FromResult<Outcome<byte[]>>(RosterWorkbook.Template());
}
