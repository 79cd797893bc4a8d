using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Verification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "DrillRunId",
                table: "Rollouts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<double>(
                name: "ErrorBudgetMaxBurnRate",
                table: "PipelineStages",
                type: "REAL",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "ErrorBudgetRequired",
                table: "PipelineStages",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "Drills",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    FaultJson = table.Column<string>(type: "TEXT", maxLength: 4096, nullable: false),
                    Cron = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    TargetSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    TimeoutSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    ExpectedAlert = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    AllowProd = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Drills", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "GameDays",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Facilitator = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ScheduledAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    StartedBy = table.Column<string>(type: "TEXT", nullable: true),
                    EndedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    EndedBy = table.Column<string>(type: "TEXT", nullable: true),
                    AbortReason = table.Column<string>(type: "TEXT", nullable: true),
                    ProdOptInBy = table.Column<string>(type: "TEXT", nullable: true),
                    PlanJson = table.Column<string>(type: "TEXT", nullable: false),
                    FaultStateJson = table.Column<string>(type: "TEXT", nullable: false),
                    SliStateJson = table.Column<string>(type: "TEXT", nullable: false),
                    Observations = table.Column<string>(type: "TEXT", nullable: true),
                    ReportJson = table.Column<string>(type: "TEXT", nullable: true),
                    ReportSha256 = table.Column<string>(type: "TEXT", nullable: true),
                    Version = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GameDays", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MetricPoints",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Revision = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    StepSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    BucketStart = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Requests = table.Column<long>(type: "INTEGER", nullable: false),
                    Errors5xx = table.Column<long>(type: "INTEGER", nullable: false),
                    LatencyP50Ms = table.Column<double>(type: "REAL", nullable: true),
                    LatencyP90Ms = table.Column<double>(type: "REAL", nullable: true),
                    LatencyP99Ms = table.Column<double>(type: "REAL", nullable: true),
                    SlowerThan10000Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan1000Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan100Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan10Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan1500Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan150Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan2000Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan200Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan2500Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan250Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan25Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan300Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan400Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan5000Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan500Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan50Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan5Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan750Ms = table.Column<long>(type: "INTEGER", nullable: true),
                    SlowerThan75Ms = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MetricPoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "ReplicaLeases",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Holder = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Token = table.Column<long>(type: "INTEGER", nullable: false),
                    AcquiredAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ReplicaLeases", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "Slos",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Objective = table.Column<double>(type: "REAL", nullable: false),
                    WindowDays = table.Column<int>(type: "INTEGER", nullable: false),
                    LatencyMs = table.Column<double>(type: "REAL", nullable: true),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Slos", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DrillRuns",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    DrillId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Service = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    TriggeredBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    RolloutId = table.Column<Guid>(type: "TEXT", nullable: true),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    FaultLiveAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DetectedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    StableAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DetectionSeconds = table.Column<double>(type: "REAL", nullable: true),
                    RollbackSeconds = table.Column<double>(type: "REAL", nullable: true),
                    TargetSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                    ExpectedAlert = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    AlertFired = table.Column<bool>(type: "INTEGER", nullable: true),
                    RunbookLinked = table.Column<bool>(type: "INTEGER", nullable: false),
                    Runbook = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    AbortedByDrill = table.Column<bool>(type: "INTEGER", nullable: false),
                    Passed = table.Column<bool>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    IncidentId = table.Column<long>(type: "INTEGER", nullable: true),
                    CompletedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DrillRuns", x => x.Id);
                    table.ForeignKey(
                        name: "FK_DrillRuns_Drills_DrillId",
                        column: x => x.DrillId,
                        principalTable: "Drills",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "GameDayActionItems",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    GameDayId = table.Column<long>(type: "INTEGER", nullable: false),
                    Text = table.Column<string>(type: "TEXT", nullable: false),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    DueDate = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GameDayActionItems", x => x.Id);
                    table.ForeignKey(
                        name: "FK_GameDayActionItems_GameDays_GameDayId",
                        column: x => x.GameDayId,
                        principalTable: "GameDays",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "GameDayEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    GameDayId = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Text = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_GameDayEntries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_GameDayEntries_GameDays_GameDayId",
                        column: x => x.GameDayId,
                        principalTable: "GameDays",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DrillRuns_DrillId_StartedAt",
                table: "DrillRuns",
                columns: new[] { "DrillId", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_DrillRuns_OneRunningPerDrill",
                table: "DrillRuns",
                column: "DrillId",
                unique: true,
                filter: "\"Status\" = 'Running'");

            migrationBuilder.CreateIndex(
                name: "IX_DrillRuns_Status",
                table: "DrillRuns",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_Drills_Service_Environment",
                table: "Drills",
                columns: new[] { "Service", "Environment" });

            migrationBuilder.CreateIndex(
                name: "IX_GameDayActionItems_GameDayId",
                table: "GameDayActionItems",
                column: "GameDayId");

            migrationBuilder.CreateIndex(
                name: "IX_GameDayEntries_GameDayId_At",
                table: "GameDayEntries",
                columns: new[] { "GameDayId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_GameDays_Status",
                table: "GameDays",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_MetricPoints_Service_Environment_BucketStart_Revision_StepSeconds",
                table: "MetricPoints",
                columns: new[] { "Service", "Environment", "BucketStart", "Revision", "StepSeconds" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MetricPoints_StepSeconds_BucketStart",
                table: "MetricPoints",
                columns: new[] { "StepSeconds", "BucketStart" });

            migrationBuilder.CreateIndex(
                name: "IX_ReplicaLeases_Holder_ExpiresAt",
                table: "ReplicaLeases",
                columns: new[] { "Holder", "ExpiresAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Slos_Service_Environment",
                table: "Slos",
                columns: new[] { "Service", "Environment" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DrillRuns");

            migrationBuilder.DropTable(
                name: "GameDayActionItems");

            migrationBuilder.DropTable(
                name: "GameDayEntries");

            migrationBuilder.DropTable(
                name: "MetricPoints");

            migrationBuilder.DropTable(
                name: "ReplicaLeases");

            migrationBuilder.DropTable(
                name: "Slos");

            migrationBuilder.DropTable(
                name: "Drills");

            migrationBuilder.DropTable(
                name: "GameDays");

            migrationBuilder.DropColumn(
                name: "DrillRunId",
                table: "Rollouts");

            migrationBuilder.DropColumn(
                name: "ErrorBudgetMaxBurnRate",
                table: "PipelineStages");

            migrationBuilder.DropColumn(
                name: "ErrorBudgetRequired",
                table: "PipelineStages");
        }
    }
}
