using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using PointsBank.Identity;
using PointsBank.Infrastructure;

namespace PointsBank.Pages;

/// <summary>
/// Gives every page the <see cref="EndpointAccess"/> metadata API endpoints carry: public for pages marked
/// <c>[AllowAnonymous]</c> (sign-in, access denied), otherwise any signed-in user. What a page may then do is
/// decided by the requests it sends, which the pipeline checks against the caller's roles.
/// </summary>
public sealed class PageAccessConvention : IPageApplicationModelConvention
{
    public void Apply(PageApplicationModel model)
    {
        var isPublic = model.HandlerTypeAttributes.Concat(model.EndpointMetadata).OfType<IAllowAnonymous>().Any();
        model.EndpointMetadata.Add(isPublic ? EndpointAccess.Public : new EndpointAccess(false, Roles.All, null));
    }
}
