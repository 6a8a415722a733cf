package io.compactor.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonReportTest {

  @TempDir Path tmp;

  @Test
  void writeThenRead_givesAnEqualReport() throws Exception {
    RunReport report = SampleReports.twoDatasetsOneWorkload();
    Path file = tmp.resolve("nested/dir/report.json");

    JsonReport.write(report, file);

    assertThat(file).exists();
    assertThat(JsonReport.read(file)).isEqualTo(report);
  }

  @Test
  void roundTrip_keepsNullsEmptyListsAndMismatches() throws Exception {
    RunReport withMismatches = SampleReports.oneDatasetWithMismatches();
    RunReport sparse = new RunReport(null, null, null, null, null, null);
    Path a = tmp.resolve("a.json");
    Path b = tmp.resolve("b.json");

    JsonReport.write(withMismatches, a);
    JsonReport.write(sparse, b);

    assertThat(JsonReport.read(a)).isEqualTo(withMismatches);
    assertThat(JsonReport.read(a).datasets().get(0).proxy().mismatches()).isEqualTo(3);
    assertThat(JsonReport.read(b)).isEqualTo(sparse);
  }

  @Test
  void json_holdsTheRawFigures() {
    String json = JsonReport.toJson(SampleReports.twoDatasetsOneWorkload());

    assertThat(json)
        .contains("\"startedAt\": \"2026-11-21T06:20:03Z\"")
        .contains("\"redisVersion\": \"7.0.15\"")
        .contains("\"keysPerDataset\": 100000")
        .contains("\"seed\": 42")
        .contains("\"bytesPerKey\": 713.45678")
        .contains("\"usedMemoryBytes\": 71345678")
        .contains("\"keysPerSecond\": 48213.4")
        .contains("\"p999Micros\": 1204.7")
        .contains("\"memoryRatio\": 0.428")
        .contains("\"proxyCpuMicrosPerOp\": 6.83")
        .contains("\"proxyCpuMicrosPerOp\": null")
        .contains("\"proxyClaimedSavedBytes\": 40612345")
        .contains("\"opsPerSecondProxy\": 152345.6")
        .contains("\"expiredReadsProxy\": 0")
        .contains("\"No compaction configured yet: the proxy passes values through unchanged.\"");
  }

  @Test
  void json_isPrettyPrinted() {
    String json = JsonReport.toJson(SampleReports.twoDatasetsOneWorkload());

    assertThat(json).startsWith("{\n  \"startedAt\": ").endsWith("\n}").doesNotContain("\r");
    assertThat(json).contains("\"datasets\": [\n    {\n      \"dataset\": \"sessions\",");
  }

  @Test
  void write_endsWithANewlineInUtf8() throws Exception {
    Path file = tmp.resolve("r.json");

    JsonReport.write(SampleReports.twoDatasetsOneWorkload(), file);

    String text = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(text).endsWith("}\n");
    assertThat(text).isEqualTo(JsonReport.toJson(SampleReports.twoDatasetsOneWorkload()) + "\n");
  }

  @Test
  void read_ignoresFieldsItDoesNotKnow() throws Exception {
    Path file = tmp.resolve("newer.json");
    Files.writeString(file, "{\"startedAt\": \"t\", \"addedLater\": {\"x\": 1}, \"notes\": [\"n\"],"
        + " \"datasets\": [], \"workloads\": []}");

    RunReport r = JsonReport.read(file);

    assertThat(r.startedAt()).isEqualTo("t");
    assertThat(r.notes()).containsExactly("n");
    assertThat(r.datasets()).isEmpty();
    assertThat(r.environment()).isNull();
  }

  @Test
  void unicodeAndMarkupInTextSurvive() throws Exception {
    RunReport r = SampleReports.twoDatasetsOneWorkload();
    RunReport odd = new RunReport(r.startedAt(), "run \"quoted\" – µs", r.environment(), r.datasets(),
        r.workloads(), List.of("</script> & <!-- ü"));
    Path file = tmp.resolve("odd.json");

    JsonReport.write(odd, file);

    assertThat(JsonReport.read(file)).isEqualTo(odd);
  }
}
