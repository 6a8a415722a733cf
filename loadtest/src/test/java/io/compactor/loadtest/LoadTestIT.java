package io.compactor.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.compactor.loadtest.report.DatasetResult;
import io.compactor.loadtest.report.JsonReport;
import io.compactor.loadtest.report.RunReport;
import io.compactor.upstream.LocalRedis;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The load driver end to end against real servers it starts itself: figures, verification, errors. */
class LoadTestIT {
  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      CommandLine cli = new CommandLine(new LoadTestMain());
      cli.setParameterExceptionHandler((ex, a) -> {
        System.err.println("loadtest: " + ex.getMessage());
        return 2;
      });
      int exit = cli.execute(args);
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void quickRun_loadsVerifiesAndReports(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("run.json");
    Run r = run("--quick", "--keys", "3000", "--datasets", "small,sessions,counters", "--workload-ops", "4000",
        "--json", json.toString());
    assertThat(r.exit()).as("stderr: %s", r.err()).isZero();
    assertThat(r.out()).contains("Memory").contains("Load speed").contains("Workloads").contains("3,000/3,000 ok");

    RunReport report = JsonReport.read(json);
    assertThat(report.datasets()).extracting(DatasetResult::dataset).containsExactly("small", "sessions", "counters");
    for (DatasetResult d : report.datasets()) {
      for (var m : List.of(d.direct(), d.proxy())) {
        assertThat(m.keys()).isEqualTo(3000);
        assertThat(m.verifiedKeys()).isEqualTo(3000);
        assertThat(m.mismatches()).isZero();
        assertThat(m.bytesPerKey()).isGreaterThan(0);
        assertThat(m.keysPerSecond()).isGreaterThan(100);
      }
      assertThat(d.direct().bytesPerKey()).isGreaterThan(20);
      // the built-in bucket rules cover small and counters: the saving must show (3,000 keys are few
      // enough that fixed costs still weigh on the proxy's side, hence the loose bound for counters)
      if (d.dataset().equals("small")) {
        assertThat(d.proxy().bytesPerKey()).as(d.dataset()).isLessThan(d.direct().bytesPerKey() / 3);
      } else if (d.dataset().equals("counters")) {
        assertThat(d.proxy().bytesPerKey()).as(d.dataset()).isLessThan(d.direct().bytesPerKey() * 0.8);
      }
      assertThat(d.proxy().proxyCpuMicrosPerOp()).isNotNull();
      assertThat(d.direct().proxyCpuMicrosPerOp()).isNull();
    }
    assertThat(report.workloads()).hasSize(3);
    assertThat(report.workloads().get(0).expiredReadsProxy()).as("read-heavy on loaded keys misses nothing").isZero();
    assertThat(report.workloads().get(2).expiredReadsProxy()).as("ttl-churn reads meet expired keys").isPositive();
    assertThat(Files.readString(dir.resolve("run.html"))).contains("chart").contains("sessions");
  }

  @Test
  void valuesLostBehindTheProxy_failTheRunLoudly(@TempDir Path dir) throws Exception {
    // a Redis that evicts: what was written through the proxy cannot all be read back
    try (LocalRedis evicting = LocalRedis.start("redis-server",
        List.of("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-random"))) {
      Run r = run("--quick", "--keys", "2000", "--datasets", "text", "--workloads", "none",
          "--upstream-port", Integer.toString(evicting.port()), "--json", dir.resolve("r.json").toString());
      assertThat(r.exit()).as("stdout: %s stderr: %s", r.out(), r.err()).isEqualTo(3);
      assertThat(r.err()).contains("VERIFICATION FAILED").contains("MISMATCH in text: page:");
      assertThat(r.out()).contains("MISMATCHES");
    }
  }

  @Test
  void badArguments_exitTwoWithAClearMessage() {
    assertThat(run("--clients", "0").err()).contains("--clients: 0 (expected: 1..1024)");
    assertThat(run("--datasets", "nope").exit()).isEqualTo(2);
    assertThat(run("--datasets", "nope").err()).contains("dataset: 'nope' (expected one of:");
    assertThat(run("--workloads", "fast").err()).contains("--workloads: 'fast'");
    assertThat(run("--replay", "/does/not/exist.jsonl").err()).contains("--replay: /does/not/exist.jsonl");
    assertThat(run("--keys", "many").exit()).isEqualTo(2);
  }

  @Test
  void unreachableServer_isAClearError() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Run r = run("--quick", "--keys", "100", "--direct-port", Integer.toString(port), "--workloads", "none");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("direct: cannot connect to 127.0.0.1:" + port);
  }
}
