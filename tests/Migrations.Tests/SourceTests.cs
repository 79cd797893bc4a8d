using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using OpsConsole.Core.Access;
using OpsConsole.Core.Domain;
using OpsConsole.Core.Migrations;
using OpsConsole.Core.Migrations.Lint;
using OpsConsole.Core.Migrations.Sql;
using OpsConsole.Migrations.Tests.Shared;

namespace OpsConsole.Migrations.Tests;

public sealed class SourceTests : IDisposable
{
    private readonly Workspace _ws = new();

    public void Dispose() => _ws.Dispose();

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void Folder_layout_reads_changes_in_number_order_with_phase_and_checksums()
    {
        _ws.Change("010_later", "CREATE TABLE b (id INTEGER);", "SELECT id FROM b WHERE 1 = 0;", "DROP TABLE b;", "phase: contract\ndescription: Second\n")
            .Change("002_first", "-- phase: expand\n-- transactional: false\nCREATE TABLE a (id INTEGER);", "SELECT id FROM a WHERE 1 = 0;");

        var source = _ws.Source();

        Assert.Equal(["002_first", "010_later"], source.Changes.Select(c => c.Name));
        var first = source.Changes[0];
        Assert.Equal(2, first.Sequence);
        Assert.Equal(MigrationPhase.Expand, first.Phase);
        Assert.False(first.Transactional);
        Assert.Null(first.Revert);
        var later = source.Changes[1];
        Assert.Equal(MigrationPhase.Contract, later.Phase);
        Assert.True(later.Transactional);
        Assert.Equal("Second", later.Description);
        Assert.Equal(Sha("CREATE TABLE b (id INTEGER);"), later.Deploy.Sha256);
        var expected = Sha($"deploy.sql {Sha("CREATE TABLE b (id INTEGER);")}\nverify.sql {Sha("SELECT id FROM b WHERE 1 = 0;")}\nrevert.sql {Sha("DROP TABLE b;")}");
        Assert.Equal(expected, later.Checksum);
    }

    [Fact]
    public void Checksum_changes_when_any_script_changes_and_not_otherwise()
    {
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT 1;", "DROP TABLE a;");
        var before = _ws.Source().Changes[0].Checksum;
        Assert.Equal(before, _ws.Source().Changes[0].Checksum);
        _ws.Write("001_a/revert.sql", "DROP TABLE IF EXISTS a;");
        Assert.NotEqual(before, _ws.Source().Changes[0].Checksum);
    }

    [Fact]
    public void Non_utf8_file_is_refused_naming_the_file()
    {
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT 1;", "DROP TABLE a;");
        _ws.WriteBytes("001_a/deploy.sql", [.. "CREATE TABLE caf"u8, 0xE9, .. " (id INTEGER);"u8]);

        var error = Assert.Throws<InvalidInputException>(() => _ws.Source());
        Assert.Contains("001_a/deploy.sql", error.Errors.Keys);
        Assert.Contains("UTF-8", error.Errors["001_a/deploy.sql"][0]);
        Assert.Contains("001_a/deploy.sql", error.Message);
    }

    [Fact]
    public void Duplicate_change_numbers_are_refused()
    {
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT 1;", "DROP TABLE a;")
            .Change("001_b", "CREATE TABLE b (id INTEGER);", "SELECT 1;", "DROP TABLE b;");

        var error = Assert.Throws<InvalidInputException>(() => _ws.Source());
        Assert.Contains(error.Errors, e => e.Value.Any(m => m.Contains("Duplicate change number 1")));
    }

    [Fact]
    public void Files_differing_only_in_case_are_duplicates()
    {
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT 1;", "DROP TABLE a;");
        _ws.Write("001_a/Deploy.sql", "CREATE TABLE other (id INTEGER);");

        var error = Assert.Throws<InvalidInputException>(() => _ws.Source());
        Assert.Contains(error.Errors, e => e.Value.Any(m => m.Contains("Duplicate file")));
    }

    [Fact]
    public void File_over_the_size_limit_is_refused()
    {
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);\n" + new string('-', 5000), "SELECT 1;", "DROP TABLE a;");

        var error = Assert.Throws<InvalidInputException>(() => _ws.Source(new MigrationSourceLimits { MaxFileBytes = 4096 }));
        Assert.Contains("the limit is 4096", error.Errors["001_a/deploy.sql"][0]);
    }

    [Fact]
    public void Missing_verify_is_refused()
    {
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT 1;", "DROP TABLE a;");
        File.Delete(Path.Combine(_ws.ServiceDirectory, "001_a", "verify.sql"));

        var error = Assert.Throws<InvalidInputException>(() => _ws.Source());
        Assert.Contains("Missing file", error.Errors["001_a/verify.sql"][0]);
    }

    [Fact]
    public void Unknown_files_bad_folder_names_empty_scripts_and_double_declarations_are_all_reported_at_once()
    {
        _ws.Change("001_a", "-- phase: contract\nCREATE TABLE a (id INTEGER);", "SELECT 1;", "DROP TABLE a;", "phase: expand\n")
            .Change("002_b", "CREATE TABLE b (id INTEGER);", "-- nothing here", "DROP TABLE b;")
            .Change("Third", "SELECT 1;", "SELECT 1;");
        _ws.Write("002_b/verfiy.sql", "SELECT 1;");
        _ws.Write("002_b/NOTES.md", "notes are fine");

        var error = Assert.Throws<InvalidInputException>(() => _ws.Source());
        Assert.Contains("duplicate declaration", error.Errors["001_a/deploy.sql"][0]);
        Assert.Contains("Unexpected file", error.Errors["002_b/verfiy.sql"][0]);
        Assert.Contains("holds no SQL statement", error.Errors["002_b/verify.sql"][0]);
        Assert.Contains("NNN_name", error.Errors["Third/"][0]);
        Assert.Contains("and 3 more", error.Message);
    }

    [Fact]
    public void Bad_change_yaml_is_refused()
    {
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT 1;", "DROP TABLE a;", "phase: sideways\nowner: me\n");

        var error = Assert.Throws<InvalidInputException>(() => _ws.Source());
        Assert.Contains(error.Errors["001_a/change.yaml"], m => m.Contains("Unknown key 'owner'"));
        Assert.Contains(error.Errors["001_a/change.yaml"], m => m.Contains("expand or contract"));
    }

    [Fact]
    public void Bundle_reads_like_the_folder_with_or_without_the_service_folder_on_top()
    {
        _ws.Change("001_a", "CREATE TABLE a (id INTEGER);", "SELECT 1;", "DROP TABLE a;", "phase: expand\n")
            .Change("002_b", "CREATE TABLE b (id INTEGER);", "SELECT 1;", "DROP TABLE b;");
        var folder = _ws.Source();

        foreach (var prefix in new[] { "", "shop/" })
        {
            using var zip = Zip(Directory.EnumerateFiles(_ws.ServiceDirectory, "*", SearchOption.AllDirectories)
                .Select(f => (prefix + Path.GetRelativePath(_ws.ServiceDirectory, f), File.ReadAllBytes(f))));
            var bundle = MigrationSource.ReadBundle(zip, "shop", "shop-1.2.0.zip");
            Assert.Equal(folder.Checksum, bundle.Checksum);
            Assert.Equal("bundle shop-1.2.0.zip", bundle.Origin);
        }
    }

    [Fact]
    public void Bundle_with_a_duplicate_entry_or_an_escaping_path_is_refused()
    {
        using var zip = Zip([
            ("001_a/deploy.sql", "CREATE TABLE a (id INTEGER);"u8.ToArray()),
            ("001_a/deploy.sql", "DROP TABLE everything;"u8.ToArray()),
            ("001_a/verify.sql", "SELECT 1;"u8.ToArray()),
            ("../001_a/revert.sql", "DROP TABLE a;"u8.ToArray()),
        ]);

        var error = Assert.Throws<InvalidInputException>(() => MigrationSource.ReadBundle(zip, "shop"));
        Assert.Contains("duplicate file", error.Errors["001_a/deploy.sql"][0]);
        Assert.Contains("not a plain relative path", error.Errors["../001_a/revert.sql"][0]);
    }

    [Fact]
    public void Bundle_that_inflates_past_the_limit_is_refused_without_reading_it_whole()
    {
        using var zip = Zip([
            ("001_a/deploy.sql", Encoding.UTF8.GetBytes("SELECT 1;" + new string(' ', 200_000))),
            ("001_a/verify.sql", "SELECT 1;"u8.ToArray()),
        ]);

        var error = Assert.Throws<InvalidInputException>(() => MigrationSource.ReadBundle(zip, "shop", limits: new MigrationSourceLimits { MaxFileBytes = 100_000 }));
        Assert.Contains("the limit is 100000", error.Errors["001_a/deploy.sql"][0]);
    }

    [Fact]
    public void Something_that_is_not_a_zip_is_refused()
    {
        using var notZip = new MemoryStream("just text"u8.ToArray());
        var error = Assert.Throws<InvalidInputException>(() => MigrationSource.ReadBundle(notZip, "shop"));
        Assert.Contains("not a readable zip", error.Message);
    }

    [Fact]
    public void Shipped_demo_migrations_read_and_lint_clean_with_one_contract_change()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "migrations");
        Assert.Equal(["catalog", "checkout", "payments"], MigrationSource.ListServices(root));
        foreach (var service in MigrationSource.ListServices(root))
        {
            var source = MigrationSource.ReadFolder(Path.Combine(root, service), service);
            Assert.True(source.Changes.Count >= 3, $"{service} ships at least three changes");
            Assert.All(source.Changes, c => Assert.NotNull(c.Revert));
            foreach (var dialect in new[] { SqlDialect.Sqlite, SqlDialect.Postgres })
                Assert.DoesNotContain(MigrationLinter.Lint(source.Changes, dialect), f => f.Blocks);
        }
        var payments = MigrationSource.ReadFolder(Path.Combine(root, "payments"), "payments");
        Assert.Equal(MigrationPhase.Contract, payments.Changes[^1].Phase);
        var drop = Assert.Single(MigrationLinter.Lint(payments.Changes, SqlDialect.Sqlite));
        Assert.Equal(("drop-column", LintSeverity.Warning), (drop.RuleId, drop.Severity));
    }

    private static MemoryStream Zip(IEnumerable<(string Path, byte[] Bytes)> entries)
    {
        var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (path, bytes) in entries)
            {
                using var s = archive.CreateEntry(path).Open();
                s.Write(bytes);
            }
        stream.Position = 0;
        return stream;
    }
}
