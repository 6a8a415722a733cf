package io.compactor.loadtest.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class TerminalTableTest {

  private final String out = TerminalTable.render(SampleReports.twoDatasetsOneWorkload());

  @Test
  void header_showsTheEnvironment() {
    assertThat(out).startsWith("redis-compactor load test\n");
    assertThat(line("Redis")).endsWith("7.0.15");
    assertThat(line("cores")).endsWith(" 8");
    assertThat(line("Java")).endsWith("17.0.15");
    assertThat(line("keys per dataset")).endsWith("100,000");
    assertThat(line("seed")).endsWith(" 42");
    assertThat(line("clients")).endsWith(" 4");
    assertThat(line("pipeline")).endsWith(" 16");
    assertThat(line("proxy settings")).endsWith("upstream.multiplex=true, compaction=off");
    assertThat(line("started")).endsWith("2026-11-21T06:20:03Z");
    assertThat(line("command")).endsWith("--clients 4 --pipeline 16");
  }

  @Test
  void memoryTable_bytesPerKeyOneDecimal_ratioTwoDecimals_claimedSavingOrNa_verified() {
    List<List<String>> rows = rows(table("Memory"));

    assertThat(rows).containsExactly(
        List.of("sessions", "100,000", "713.5", "305.7", "0.43", "750.0", "334.6", "406.1", "100,000/100,000 ok"),
        List.of("products", "100,000", "298.8", "212.3", "0.71", "310.0", "229.0", "n/a", "100,000/100,000 ok"));
  }

  @Test
  void loadSpeedTable_keysPerSecondWithSeparators_latencyPercentiles_proxyCpu() {
    List<List<String>> rows = rows(table("Load speed"));

    assertThat(rows).containsExactly(
        List.of("sessions", "48,213", "39,877", "0.83", "41.3/184/1,205", "52.8/240/1,688", "6.83"),
        List.of("products", "61,004", "50,913", "0.84", "33.7/150/910", "44.9/202/1,303", "5.41"));
  }

  @Test
  void workloadsTable() {
    List<List<String>> rows = rows(table("Workloads"));

    assertThat(rows).containsExactly(List.of("read-heavy", "sessions", "8×16", "90%", "187,654", "152,346", "0.81",
        "88.1/403/2,310", "109/515/3,023", "4.97", "0/0"));
  }

  @Test
  void headers_areSplitOverTwoLinesAndAligned() {
    List<String> memory = table("Memory");

    assertThat(memory.get(0)).contains("direct", "proxy", "direct RSS", "proxy-claimed");
    assertThat(memory.get(1)).startsWith("dataset").contains("B/key", "saving B/key").endsWith("verified");
    assertThat(memory.get(2)).matches("[- ]+");
  }

  @Test
  void numbersAreRightAligned_textLeftAligned() {
    for (String title : List.of("Memory", "Load speed", "Workloads")) {
      List<String> t = table(title);
      int[][] spans = spans(t.get(2));
      for (String row : t.subList(3, t.size())) {
        assertThat(row).as("%s: data rows end where the rule ends", title).hasSize(t.get(2).length());
        assertThat(row.charAt(0)).as("%s: first column is left-aligned", title).isNotEqualTo(' ');
        for (int c = 1; c < spans.length; c++) {
          if (title.equals("Workloads") && c == 1) {
            continue; // the dataset column holds text: left-aligned
          }
          assertThat(row.charAt(spans[c][1] - 1)).as("%s column %d of %s", title, c, row).isNotEqualTo(' ');
        }
      }
    }
  }

  @Test
  void notes_areBulletLines() {
    assertThat(out).contains("\nNotes\n"
        + "- No compaction configured yet: the proxy passes values through unchanged.\n"
        + "- 2 cores shared by Redis, the proxy and the load driver; ratios are more reliable than absolute "
        + "figures.\n");
  }

  @Test
  void noColoursOrOtherControlCharacters_evenFromNames() {
    RunReport r = SampleReports.twoDatasetsOneWorkload();
    DatasetResult d = r.datasets().get(0);
    RunReport evil = new RunReport(r.startedAt(), "run\u001b[31m", r.environment(),
        List.of(new DatasetResult("red\u001b[31mname\tx", d.description(), d.direct(), d.proxy(), d.memoryRatio(),
            d.speedRatio())),
        r.workloads(), List.of("line one\nline two"));

    String text = TerminalTable.render(evil);

    assertThat(text.chars().filter(ch -> ch < 0x20 && ch != '\n')).isEmpty();
    assertThat(text).contains("red [31mname x").contains("- line one\n  line two\n");
    assertThat(out.chars().filter(ch -> ch < 0x20 && ch != '\n')).isEmpty();
  }

  @Test
  void mismatches_areShoutedAndWorkloadsTableOmittedWhenThereAreNone() {
    String text = TerminalTable.render(SampleReports.oneDatasetWithMismatches());

    assertThat(text).contains("VERIFICATION FAILED: 3 keys read back with a different value");
    assertThat(rows(table(text, "Memory")).get(0)).endsWith("8.0", "3 MISMATCHES");
    assertThat(text).doesNotContain("Workloads").doesNotContain("Notes");
  }

  @Test
  void missingAndNonFiniteFigures_showNa() {
    RunReport r = SampleReports.twoDatasetsOneWorkload();
    DatasetResult d = r.datasets().get(1);
    ModeResult p = d.proxy();
    ModeResult proxy = new ModeResult("proxy", p.keys(), p.logicalBytes(), p.usedMemoryBytes(),
        p.usedMemoryRssBytes(), p.bytesPerKey(), Double.NaN, p.keysPerSecond(), null, null, null, 0, 0);
    RunReport odd = new RunReport(null, null, null,
        List.of(new DatasetResult("odd", null, d.direct(), proxy, Double.POSITIVE_INFINITY, d.speedRatio())),
        null, null);

    String text = TerminalTable.render(odd);

    assertThat(rows(table(text, "Memory")).get(0))
        .containsExactly("odd", "100,000", "298.8", "212.3", "n/a", "310.0", "n/a", "n/a", "0/100,000 ok");
    assertThat(rows(table(text, "Load speed")).get(0)).endsWith("33.7/150/910", "n/a", "n/a");
    assertThat(line(text, "command")).endsWith("n/a");
  }

  @Test
  void emptyReport_stillRenders() {
    String text = TerminalTable.render(new RunReport(null, null, null, null, null, null));

    assertThat(table(text, "Memory")).last().isEqualTo("(none)");
  }

  @Test
  void formatting_doesNotDependOnTheDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY);
      assertThat(TerminalTable.render(SampleReports.twoDatasetsOneWorkload())).isEqualTo(out);
    } finally {
      Locale.setDefault(before);
    }
  }

  private String line(String label) {
    return line(out, label);
  }

  private static String line(String text, String label) {
    return Arrays.stream(text.split("\n"))
        .filter(l -> l.startsWith("  " + label + " "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line for " + label + " in\n" + text));
  }

  private List<String> table(String title) {
    return table(out, title);
  }

  /** The lines of one table: two header lines, the rule, then the rows (up to the next blank line). */
  private static List<String> table(String text, String title) {
    List<String> lines = Arrays.asList(text.split("\n", -1));
    int start = lines.indexOf(title);
    assertThat(start).as("table %s in\n%s", title, text).isNotNegative();
    List<String> t = new ArrayList<>();
    for (int i = start + 1; i < lines.size() && !lines.get(i).isEmpty(); i++) {
      t.add(lines.get(i));
    }
    return t;
  }

  /** Cells of the data rows, cut at the column boundaries the rule line shows. */
  private static List<List<String>> rows(List<String> table) {
    int[][] spans = spans(table.get(2));
    List<List<String>> rows = new ArrayList<>();
    for (String row : table.subList(3, table.size())) {
      List<String> cells = new ArrayList<>();
      for (int[] s : spans) {
        cells.add(row.substring(Math.min(s[0], row.length()), Math.min(s[1], row.length())).strip());
      }
      rows.add(cells);
    }
    return rows;
  }

  private static int[][] spans(String rule) {
    List<int[]> spans = new ArrayList<>();
    int i = 0;
    while (i < rule.length()) {
      if (rule.charAt(i) == '-') {
        int start = i;
        while (i < rule.length() && rule.charAt(i) == '-') {
          i++;
        }
        spans.add(new int[] {start, i});
      } else {
        i++;
      }
    }
    return spans.toArray(new int[0][]);
  }
}
