using PointsBank.Features.Communities;
using PointsBank.Identity;

namespace PointsBank.Tests.Features.Communities;

public sealed class PersonalDataTests
{
    [TestCase("张三明", "张*明")]
    [TestCase("张三", "张*")]
    [TestCase("张", "*")]
    [TestCase("欧阳娜娜", "欧*娜")]
    [TestCase("司马相如", "司*如")]
    [TestCase("阿依古丽·买买提", "阿*提")]
    [TestCase("John Smith", "J*h")]
    [TestCase("Li", "L*")]
    [TestCase("O", "*")]
    [TestCase("  王小明  ", "王*明")]
    [TestCase("𠮷田家", "𠮷*家")]
    [TestCase("", "")]
    [TestCase("   ", "")]
    [TestCase(null, "")]
    public void MaskName_KeepsFirstAndLastCharacter_AndHidesTheRest(string? name, string expected)
    {
        Assert.That(PersonalData.MaskName(name), Is.EqualTo(expected));
    }

    [Test]
    public void MaskName_OneStarWhateverTheLength_SoTheMaskDoesNotTellTheLength()
    {
        Assert.That(PersonalData.MaskName("Maximilian Alexander"), Is.EqualTo("M*r"));
    }

    [TestCase(Role.Committee, true)]
    [TestCase(Role.Admin, true)]
    [TestCase(Role.Reviewer, false)]
    [TestCase(Role.Inspector, false)]
    [TestCase(Role.Organizer, false)]
    [TestCase(Role.Shopkeeper, false)]
    public void Visible_OnlyToCommitteeAndAdminsOfThatCommunity(Role role, bool visible)
    {
        var caller = Caller.User(5, "someone", [new RoleGrant(7, role)]);

        Assert.That(PersonalData.Visible(caller, 7), Is.EqualTo(visible));
        Assert.That(PersonalData.Visible(caller, 8), Is.False, "a role in another community does not count");
    }

    [Test]
    public void Visible_ToSystemAdminsAndTheCommandLine_NeverToAnonymous()
    {
        Assert.That(PersonalData.Visible(Acting.SystemAdmin(), 7), Is.True);
        Assert.That(PersonalData.Visible(Caller.Cli("test"), 7), Is.True);
        Assert.That(PersonalData.Visible(Caller.Anonymous, 7), Is.False);
    }
}
