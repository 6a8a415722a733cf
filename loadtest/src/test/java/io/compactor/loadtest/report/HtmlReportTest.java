package io.compactor.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  private static final String DATA_OPEN = "<script type=\"application/json\" id=\"report-data\">";

  private final RunReport report = SampleReports.twoDatasetsOneWorkload();
  private final String html = HtmlReport.render(report);

  @TempDir Path tmp;

  @Test
  void isOneHtmlDocument() {
    assertThat(html).startsWith("<!DOCTYPE html>\n<html lang=\"en\">").endsWith("</html>\n");
    assertThat(html).contains("<meta charset=\"utf-8\">").contains("<title>redis-compactor load test");
  }

  @Test
  void inlinesChartJsFromTheWebjar() {
    assertThat(html).contains("<script>\n/*!\n * Chart.js v4.4.1");
    assertThat(html).contains("window.Chart=");
    assertThat(html.length()).isGreaterThan(200_000);
    assertThat(html).doesNotContain("sourceMappingURL");
  }

  @Test
  void embedsTheReportAsJson_thatReadsBackEqual() {
    assertThat(JsonReport.fromJson(embeddedJson(html))).isEqualTo(report);
  }

  @Test
  void loadsNothingFromTheNetwork() {
    assertThat(html).doesNotContainPattern("(?i)<script[^>]*\\ssrc\\s*=");
    assertThat(html).doesNotContainPattern("(?i)\\s(src|href)\\s*=\\s*\"?\\s*(https?:)?//");
    assertThat(html).doesNotContainPattern("(?i)<link[\\s>]");
    assertThat(html).doesNotContainPattern("(?i)<(iframe|img|object|embed)[\\s>]");
    assertThat(html).doesNotContain("@import").doesNotContain("url(");
  }

  @Test
  void markupInNotesAndNames_cannotEndTheScriptOrInjectMarkup() {
    String nasty = "</script><script>alert(1)</script><!-- <SCRIPT>";
    DatasetResult d = report.datasets().get(0);
    RunReport evil = new RunReport(report.startedAt(), "run <b>bold</b> & \"quoted\"", report.environment(),
        List.of(new DatasetResult("<i>ds</i>", d.description(), d.direct(), d.proxy(), d.memoryRatio(),
            d.speedRatio())),
        report.workloads(), List.of(nasty, "plain note"));

    String page = HtmlReport.render(evil);

    assertThat(count(page, "(?i)<script")).isEqualTo(3);
    assertThat(count(page, "(?i)</script")).isEqualTo(3);
    assertThat(page).doesNotContain("<!-- <SCRIPT>").doesNotContain("<i>ds</i>").doesNotContain("<b>bold</b>");
    assertThat(embeddedJson(page)).doesNotContain("</").doesNotContain("<").contains("\\u003c/script\\u003e");
    assertThat(JsonReport.fromJson(embeddedJson(page))).isEqualTo(evil);
    assertThat(page).contains("<li>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- &lt;SCRIPT&gt;</li>");
    assertThat(page).contains("<td>&lt;i&gt;ds&lt;/i&gt;</td>");
    assertThat(page).contains("<code>run &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;</code>");
  }

  @Test
  void showsTheSameFiguresAsTheTerminalTables() {
    for (ReportTables.Table t : List.of(ReportTables.memory(report), ReportTables.loadSpeed(report),
        ReportTables.workloads(report))) {
      assertThat(html).contains("<h2>" + t.title() + "</h2>");
      for (List<String> row : t.rows()) {
        for (String cell : row) {
          assertThat(html).contains(">" + HtmlReport.esc(cell) + "</td>");
        }
      }
    }
    assertThat(html).contains("<td class=\"num\">713.5</td>", "<td class=\"num\">100,000/100,000 ok</td>",
        "<td class=\"num\">187,654</td>", "<td class=\"num\">0.83</td>", "<th class=\"num\">direct<br>B/key</th>");
  }

  @Test
  void environmentAndNotes() {
    assertThat(html).contains("<th>Redis</th><td>7.0.15</td>", "<th>cores</th><td>8</td>",
        "<th>keys per dataset</th><td>100,000</td>", "<th>seed</th><td>42</td>", "<th>clients</th><td>4</td>",
        "<th>pipeline</th><td>16</td>");
    assertThat(html).contains("<li>No compaction configured yet: the proxy passes values through unchanged.</li>");
  }

  @Test
  void fourChartsWithWorkloads_threeWithout() {
    assertThat(count(html, "<canvas ")).isEqualTo(4);
    assertThat(html).contains("<body data-charts-expected=\"4\">", "id=\"chart-bytes\"", "id=\"chart-load\"",
        "id=\"chart-latency\"", "id=\"chart-workloads\"");
    assertThat(HtmlReport.chartCount(report)).isEqualTo(4);

    RunReport noWorkloads = SampleReports.oneDatasetWithMismatches();
    String page = HtmlReport.render(noWorkloads);

    assertThat(count(page, "<canvas ")).isEqualTo(3);
    assertThat(page).contains("<body data-charts-expected=\"3\">").doesNotContain("id=\"chart-workloads\"")
        .doesNotContain("<h2>Workloads</h2>");
    assertThat(HtmlReport.chartCount(noWorkloads)).isEqualTo(3);
  }

  @Test
  void chartsWithManyCategories_takeTheFullWidth() {
    DatasetResult d = report.datasets().get(0);
    List<DatasetResult> three = List.of(d, d, d);
    RunReport many = new RunReport(report.startedAt(), report.command(), report.environment(), three,
        report.workloads(), report.notes());

    assertThat(html).doesNotContain("chart wide");
    assertThat(HtmlReport.render(many))
        .contains("<figure class=\"chart wide\"><div class=\"box\"><canvas id=\"chart-latency\"")
        .contains("<figure class=\"chart\"><div class=\"box\"><canvas id=\"chart-bytes\"");
  }

  @Test
  void chartScript_usesTheAgreedColours_noAnimation_andSetsTheRenderedFlag() {
    assertThat(html).contains("'" + HtmlReport.DIRECT_COLOR + "'", "'" + HtmlReport.PROXY_COLOR + "'");
    assertThat(html).contains("animation: false").contains("body.dataset.chartsRendered");
  }

  @Test
  void mismatches_areHighlighted() {
    String page = HtmlReport.render(SampleReports.oneDatasetWithMismatches());

    assertThat(page).contains("<div class=\"failed\">VERIFICATION FAILED: 3 keys read back with a different value")
        .contains("<td class=\"num bad\">3 MISMATCHES</td>");
  }

  @Test
  void write_createsTheFileInUtf8() throws Exception {
    Path file = tmp.resolve("out/report.html");

    HtmlReport.write(report, file);

    assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(html);
  }

  @Test
  void emptyReport_stillRenders() {
    String page = HtmlReport.render(new RunReport(null, null, null, null, null, null));

    assertThat(page).contains("(none)").contains("<body data-charts-expected=\"3\">");
    assertThat(JsonReport.fromJson(embeddedJson(page))).isEqualTo(new RunReport(null, null, null, null, null, null));
  }

  static String embeddedJson(String page) {
    int start = page.indexOf(DATA_OPEN);
    assertThat(start).as("the report-data element").isNotNegative();
    start += DATA_OPEN.length();
    int end = page.indexOf("</script>", start);
    return page.substring(start, end);
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
