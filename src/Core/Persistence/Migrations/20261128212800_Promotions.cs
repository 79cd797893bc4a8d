using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Promotions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "BaselineRevision",
                table: "Rollouts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "VerdictJson",
                table: "AnalysisRuns",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "ConfigEntries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    IsSecret = table.Column<bool>(type: "INTEGER", nullable: false),
                    Value = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConfigEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ConfigSecretVersions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    ProtectedValue = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ConfigSecretVersions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "FreezeWindows",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: true),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: true),
                    RRule = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    StartLocal = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DurationMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    TimeZone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    StartUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    EndUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FreezeWindows", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PipelineStages",
                columns: table => new
                {
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Order = table.Column<int>(type: "INTEGER", nullable: false),
                    RequiredChecks = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    SoakMinutes = table.Column<int>(type: "INTEGER", nullable: false),
                    RequiredApprovals = table.Column<int>(type: "INTEGER", nullable: false),
                    AutoDeploy = table.Column<bool>(type: "INTEGER", nullable: false),
                    AnalysisTemplate = table.Column<string>(type: "TEXT", maxLength: 63, nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PipelineStages", x => new { x.Service, x.Environment });
                });

            migrationBuilder.CreateTable(
                name: "Promotions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Version = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    RequestedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    RequestedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ConfigHashAtRequest = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    GatesJson = table.Column<string>(type: "TEXT", nullable: false),
                    EvaluatedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    PlanId = table.Column<Guid>(type: "TEXT", nullable: true),
                    RolloutId = table.Column<Guid>(type: "TEXT", nullable: true),
                    DeployedConfigHash = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Message = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    FreezeOverrideBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    FreezeOverrideReason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    FreezeOverrideAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    InFlightKey = table.Column<string>(type: "TEXT", maxLength: 130, nullable: true),
                    Generation = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Promotions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Releases",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Version = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    CommitSha = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    CommitTime = table.Column<DateTime>(type: "TEXT", nullable: false),
                    BuildUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    ArtifactRef = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    Changelog = table.Column<string>(type: "TEXT", maxLength: 20000, nullable: false),
                    RegisteredBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    RegisteredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ContentHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Releases", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ServiceProfiles",
                columns: table => new
                {
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    RepositoryUrl = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    Runbooks = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ServiceProfiles", x => x.Service);
                });

            migrationBuilder.CreateTable(
                name: "PromotionApprovals",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PromotionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    By = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Decision = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    ConfigHash = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PromotionApprovals", x => x.Id);
                    table.ForeignKey(
                        name: "FK_PromotionApprovals_Promotions_PromotionId",
                        column: x => x.PromotionId,
                        principalTable: "Promotions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ReleaseChecks",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Passed = table.Column<bool>(type: "INTEGER", nullable: false),
                    Tests = table.Column<int>(type: "INTEGER", nullable: false),
                    Failures = table.Column<int>(type: "INTEGER", nullable: false),
                    Errors = table.Column<int>(type: "INTEGER", nullable: false),
                    Skipped = table.Column<int>(type: "INTEGER", nullable: false),
                    DurationSeconds = table.Column<double>(type: "REAL", nullable: false),
                    FailedTestsJson = table.Column<string>(type: "TEXT", nullable: false),
                    ReportedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    ReportedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReleaseChecks", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ReleaseChecks_Releases_ReleaseId",
                        column: x => x.ReleaseId,
                        principalTable: "Releases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ReleaseEnvironments",
                columns: table => new
                {
                    ReleaseId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Version = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    RunningSince = table.Column<DateTime>(type: "TEXT", nullable: true),
                    HealthySince = table.Column<DateTime>(type: "TEXT", nullable: true),
                    SupersededAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RejectedForPipeline = table.Column<bool>(type: "INTEGER", nullable: false),
                    RejectedReason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    RejectedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LiftedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    LiftedReason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    LiftedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReleaseEnvironments", x => new { x.ReleaseId, x.Environment });
                    table.ForeignKey(
                        name: "FK_ReleaseEnvironments_Releases_ReleaseId",
                        column: x => x.ReleaseId,
                        principalTable: "Releases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_ConfigEntries_Service_Environment_Key",
                table: "ConfigEntries",
                columns: new[] { "Service", "Environment", "Key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ConfigSecretVersions_Service_Environment_Key_Version",
                table: "ConfigSecretVersions",
                columns: new[] { "Service", "Environment", "Key", "Version" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PipelineStages_Service_Order",
                table: "PipelineStages",
                columns: new[] { "Service", "Order" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PromotionApprovals_PromotionId",
                table: "PromotionApprovals",
                column: "PromotionId");

            migrationBuilder.CreateIndex(
                name: "IX_Promotions_InFlightKey",
                table: "Promotions",
                column: "InFlightKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Promotions_RequestedAt",
                table: "Promotions",
                column: "RequestedAt");

            migrationBuilder.CreateIndex(
                name: "IX_Promotions_Service_Version",
                table: "Promotions",
                columns: new[] { "Service", "Version" });

            migrationBuilder.CreateIndex(
                name: "IX_Promotions_Status",
                table: "Promotions",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_ReleaseChecks_ReleaseId_Name",
                table: "ReleaseChecks",
                columns: new[] { "ReleaseId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReleaseEnvironments_Service_Environment",
                table: "ReleaseEnvironments",
                columns: new[] { "Service", "Environment" });

            migrationBuilder.CreateIndex(
                name: "IX_Releases_RegisteredAt",
                table: "Releases",
                column: "RegisteredAt");

            migrationBuilder.CreateIndex(
                name: "IX_Releases_Service_Version",
                table: "Releases",
                columns: new[] { "Service", "Version" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ConfigEntries");

            migrationBuilder.DropTable(
                name: "ConfigSecretVersions");

            migrationBuilder.DropTable(
                name: "FreezeWindows");

            migrationBuilder.DropTable(
                name: "PipelineStages");

            migrationBuilder.DropTable(
                name: "PromotionApprovals");

            migrationBuilder.DropTable(
                name: "ReleaseChecks");

            migrationBuilder.DropTable(
                name: "ReleaseEnvironments");

            migrationBuilder.DropTable(
                name: "ServiceProfiles");

            migrationBuilder.DropTable(
                name: "Promotions");

            migrationBuilder.DropTable(
                name: "Releases");

            migrationBuilder.DropColumn(
                name: "BaselineRevision",
                table: "Rollouts");

            migrationBuilder.DropColumn(
                name: "VerdictJson",
                table: "AnalysisRuns");
        }
    }
}
