using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Rollouts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AnalysisTemplates",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false),
                    Json = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AnalysisTemplates", x => new { x.Name, x.Version });
                });

            migrationBuilder.CreateTable(
                name: "DeployTargets",
                columns: table => new
                {
                    Service = table.Column<string>(type: "TEXT", nullable: false),
                    Environment = table.Column<string>(type: "TEXT", nullable: false),
                    StableVersion = table.Column<string>(type: "TEXT", nullable: true),
                    StableRevision = table.Column<string>(type: "TEXT", nullable: true),
                    StableConfigJson = table.Column<string>(type: "TEXT", nullable: false),
                    Instances = table.Column<int>(type: "INTEGER", nullable: false),
                    DefaultStrategyJson = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeployTargets", x => new { x.Service, x.Environment });
                });

            migrationBuilder.CreateTable(
                name: "Rollouts",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Service = table.Column<string>(type: "TEXT", nullable: false),
                    Environment = table.Column<string>(type: "TEXT", nullable: false),
                    Version = table.Column<string>(type: "TEXT", nullable: false),
                    Revision = table.Column<string>(type: "TEXT", nullable: false),
                    ConfigJson = table.Column<string>(type: "TEXT", nullable: false),
                    Instances = table.Column<int>(type: "INTEGER", nullable: false),
                    StableRevision = table.Column<string>(type: "TEXT", nullable: true),
                    StableVersion = table.Column<string>(type: "TEXT", nullable: true),
                    StableConfigJson = table.Column<string>(type: "TEXT", nullable: false),
                    StrategyJson = table.Column<string>(type: "TEXT", nullable: false),
                    Phase = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    CurrentStepIndex = table.Column<int>(type: "INTEGER", nullable: false),
                    StepStartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    AttemptStartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CanaryWeight = table.Column<int>(type: "INTEGER", nullable: false),
                    PauseReason = table.Column<string>(type: "TEXT", nullable: true),
                    PausedByUser = table.Column<bool>(type: "INTEGER", nullable: false),
                    Message = table.Column<string>(type: "TEXT", nullable: true),
                    AbortReason = table.Column<string>(type: "TEXT", nullable: true),
                    PromoteFullRequested = table.Column<bool>(type: "INTEGER", nullable: false),
                    Switched = table.Column<bool>(type: "INTEGER", nullable: false),
                    PreviewReadyAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ScaleDownRevision = table.Column<string>(type: "TEXT", nullable: true),
                    ScaleDownAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CreatedBy = table.Column<string>(type: "TEXT", nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Generation = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Rollouts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AnalysisRuns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RolloutId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    StepIndex = table.Column<int>(type: "INTEGER", nullable: true),
                    TemplateName = table.Column<string>(type: "TEXT", nullable: false),
                    TemplateVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    TemplateJson = table.Column<string>(type: "TEXT", nullable: false),
                    Phase = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Message = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AnalysisRuns", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AnalysisRuns_Rollouts_RolloutId",
                        column: x => x.RolloutId,
                        principalTable: "Rollouts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AnalysisMeasurements",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    AnalysisRunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Metric = table.Column<string>(type: "TEXT", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Value = table.Column<double>(type: "REAL", nullable: true),
                    Phase = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Message = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AnalysisMeasurements", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AnalysisMeasurements_AnalysisRuns_AnalysisRunId",
                        column: x => x.AnalysisRunId,
                        principalTable: "AnalysisRuns",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AnalysisMeasurements_AnalysisRunId_At",
                table: "AnalysisMeasurements",
                columns: new[] { "AnalysisRunId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AnalysisRuns_RolloutId",
                table: "AnalysisRuns",
                column: "RolloutId");

            migrationBuilder.CreateIndex(
                name: "IX_Rollouts_OneActivePerTarget",
                table: "Rollouts",
                columns: new[] { "Service", "Environment" },
                unique: true,
                filter: "\"Phase\" IN ('Progressing', 'Paused')");

            migrationBuilder.CreateIndex(
                name: "IX_Rollouts_Phase",
                table: "Rollouts",
                column: "Phase");

            migrationBuilder.CreateIndex(
                name: "IX_Rollouts_Service_Environment_CreatedAt",
                table: "Rollouts",
                columns: new[] { "Service", "Environment", "CreatedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AnalysisMeasurements");

            migrationBuilder.DropTable(
                name: "AnalysisTemplates");

            migrationBuilder.DropTable(
                name: "DeployTargets");

            migrationBuilder.DropTable(
                name: "AnalysisRuns");

            migrationBuilder.DropTable(
                name: "Rollouts");
        }
    }
}
