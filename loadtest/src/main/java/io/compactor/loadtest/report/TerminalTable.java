package io.compactor.loadtest.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The run report as plain-text tables for a terminal: fixed-width columns, numbers right-aligned, no
 * colours or other escape sequences (so it reads the same in a CI log or a file).
 */
public final class TerminalTable {
  private static final String GAP = "  ";

  private TerminalTable() {}

  public static String render(RunReport r) {
    StringBuilder out = new StringBuilder();
    out.append("redis-compactor load test\n");
    List<Map.Entry<String, String>> env = ReportTables.environment(r);
    int labelWidth = env.stream().mapToInt(e -> e.getKey().length()).max().orElse(0);
    for (Map.Entry<String, String> e : env) {
      out.append("  ").append(pad(e.getKey(), labelWidth, false)).append(GAP).append(oneLine(e.getValue()))
          .append('\n');
    }
    long mismatches = ReportTables.totalMismatches(r);
    if (mismatches > 0) {
      out.append("\nVERIFICATION FAILED: ").append(Fmt.count(mismatches))
          .append(mismatches == 1 ? " key" : " keys").append(" read back with a different value\n");
    }

    appendTable(out, ReportTables.memory(r));
    appendTable(out, ReportTables.loadSpeed(r));
    ReportTables.Table workloads = ReportTables.workloads(r);
    if (!workloads.rows().isEmpty()) {
      appendTable(out, workloads);
    }

    List<String> notes = ReportTables.notes(r);
    if (!notes.isEmpty()) {
      out.append("\nNotes\n");
      for (String note : notes) {
        String[] lines = note.strip().split("\\R", -1);
        out.append("- ").append(oneLine(lines[0]).stripTrailing()).append('\n');
        for (int i = 1; i < lines.length; i++) {
          out.append("  ").append(oneLine(lines[i]).stripTrailing()).append('\n');
        }
      }
    }
    return out.toString();
  }

  private static void appendTable(StringBuilder out, ReportTables.Table t) {
    List<ReportTables.Column> cols = t.columns();
    int n = cols.size();
    List<String[]> headers = new ArrayList<>();
    int headerLines = 1;
    for (ReportTables.Column c : cols) {
      String[] lines = c.header().split("\n", -1);
      headers.add(lines);
      headerLines = Math.max(headerLines, lines.length);
    }
    int[] width = new int[n];
    for (int i = 0; i < n; i++) {
      for (String line : headers.get(i)) {
        width[i] = Math.max(width[i], line.length());
      }
      for (List<String> row : t.rows()) {
        width[i] = Math.max(width[i], oneLine(row.get(i)).length());
      }
    }

    out.append('\n').append(t.title()).append('\n');
    for (int line = 0; line < headerLines; line++) {
      List<String> cells = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String[] h = headers.get(i);
        int index = line - (headerLines - h.length); // bottom-aligned: one-line headers sit on the last line
        cells.add(index >= 0 ? h[index] : "");
      }
      out.append(row(cells, cols, width)).append('\n');
    }
    List<String> rule = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      rule.add("-".repeat(width[i]));
    }
    out.append(String.join(GAP, rule)).append('\n');
    if (t.rows().isEmpty()) {
      out.append("(none)\n");
    }
    for (List<String> cells : t.rows()) {
      out.append(row(cells, cols, width)).append('\n');
    }
  }

  private static String row(List<String> cells, List<ReportTables.Column> cols, int[] width) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cols.size(); i++) {
      if (i > 0) {
        sb.append(GAP);
      }
      sb.append(pad(oneLine(cells.get(i)), width[i], cols.get(i).numeric()));
    }
    return sb.toString().stripTrailing();
  }

  private static String pad(String s, int width, boolean right) {
    String fill = " ".repeat(Math.max(0, width - s.length()));
    return right ? fill + s : s + fill;
  }

  /** A cell never breaks the table: line breaks, tabs and other control characters become spaces. */
  private static String oneLine(String s) {
    return s.replaceAll("\\p{Cntrl}+", " ");
  }
}
