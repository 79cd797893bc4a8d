using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RollbackDrills : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "DrillRunId",
                table: "Rollouts",
                type: "TEXT",
                nullable: true);

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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DrillRuns");

            migrationBuilder.DropTable(
                name: "Drills");

            migrationBuilder.DropColumn(
                name: "DrillRunId",
                table: "Rollouts");
        }
    }
}
