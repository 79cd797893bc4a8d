using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Pipelines : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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

            migrationBuilder.CreateIndex(
                name: "IX_PipelineStages_Service_Order",
                table: "PipelineStages",
                columns: new[] { "Service", "Order" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ReleaseChecks_ReleaseId_Name",
                table: "ReleaseChecks",
                columns: new[] { "ReleaseId", "Name" },
                unique: true);

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
                name: "PipelineStages");

            migrationBuilder.DropTable(
                name: "ReleaseChecks");

            migrationBuilder.DropTable(
                name: "ServiceProfiles");

            migrationBuilder.DropTable(
                name: "Releases");
        }
    }
}
