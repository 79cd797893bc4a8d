namespace OpsConsole.Core.Dora;

/// <summary>
/// The performance bands of the DORA State of DevOps report (2023 clusters):
/// deployment frequency elite on demand (at least daily), high at least weekly, medium at least
/// monthly; lead time elite under a day, high under a week, medium under a month; change failure
/// rate elite up to 5 %, high up to 10 %, medium up to 15 %; recovery elite under an hour, high
/// under a day, medium under a week. Anything slower is low.
/// </summary>
public static class DoraBands
{
    public static DoraBand Frequency(double deploymentsPerDay) => deploymentsPerDay switch
    {
        >= 1 => DoraBand.Elite,
        >= 1.0 / 7 => DoraBand.High,
        >= 1.0 / 30 => DoraBand.Medium,
        _ => DoraBand.Low,
    };

    public static DoraBand LeadTime(double? hours) => hours switch
    {
        null => DoraBand.None,
        < 24 => DoraBand.Elite,
        < 24 * 7 => DoraBand.High,
        < 24 * 30 => DoraBand.Medium,
        _ => DoraBand.Low,
    };

    public static DoraBand ChangeFailure(double? rate) => rate switch
    {
        null => DoraBand.None,
        <= 0.05 => DoraBand.Elite,
        <= 0.10 => DoraBand.High,
        <= 0.15 => DoraBand.Medium,
        _ => DoraBand.Low,
    };

    public static DoraBand Recovery(double? hours) => hours switch
    {
        null => DoraBand.None,
        < 1 => DoraBand.Elite,
        < 24 => DoraBand.High,
        < 24 * 7 => DoraBand.Medium,
        _ => DoraBand.Low,
    };
}
