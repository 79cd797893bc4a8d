using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class MetricHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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

            migrationBuilder.CreateIndex(
                name: "IX_MetricPoints_Service_Environment_BucketStart_Revision_StepSeconds",
                table: "MetricPoints",
                columns: new[] { "Service", "Environment", "BucketStart", "Revision", "StepSeconds" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MetricPoints_StepSeconds_BucketStart",
                table: "MetricPoints",
                columns: new[] { "StepSeconds", "BucketStart" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MetricPoints");
        }
    }
}
