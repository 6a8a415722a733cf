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
    // 10,000 keys: at 3,000 the counters' B/key through the proxy moved between 35 and 76 from run to run
    // (a few tens of KB of the server's own structures either side of the baseline), past the bound below
    Run r = run("--quick", "--keys", "10000", "--datasets", "small,sessions,counters", "--workload-ops", "4000",
        "--json", json.toString());
    assertThat(r.exit()).as("stderr: %s", r.err()).isZero();
    assertThat(r.out()).contains("Memory").contains("Load speed").contains("Workloads").contains("10,000/10,000 ok");

    RunReport report = JsonReport.read(json);
    assertThat(report.datasets()).extracting(DatasetResult::dataset).containsExactly("small", "sessions", "counters");
    for (DatasetResult d : report.datasets()) {
      for (var m : List.of(d.direct(), d.proxy())) {
        assertThat(m.keys()).isEqualTo(10_000);
        assertThat(m.verifiedKeys()).isEqualTo(10_000);
        assertThat(m.mismatches()).isZero();
        assertThat(m.bytesPerKey()).isGreaterThan(0);
        assertThat(m.keysPerSecond()).isGreaterThan(100);
      }
      assertThat(d.direct().bytesPerKey()).isGreaterThan(20);
      // the built-in bucket rules cover small and counters: the saving must show (10,000 keys are few
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
    assertThat(run("--redis-config", "maxmemory").err()).contains("--redis-config: 'maxmemory' (expected: NAME=VALUE");
    assertThat(run("--redis-config", "port=7000").err()).contains("--redis-config: 'port' is set by the load test");
    assertThat(run("--redis-config", "maxmemory=1gb", "--upstream-port", "6379").err())
        .contains("--redis-config: applies to the servers the load test starts");
  }

  @Test
  void redisConfig_reachesBothServers(@TempDir Path dir) throws Exception {
    // sessions compressed into bucket fields: with Redis's default hash-max-listpack-value (64) every
    // compressed session is too long for a field and goes to an overflow key; raised to 1024, they all fit.
    // 8,000 keys: Redis keeps ~0.1-0.4 MB after a load that FLUSHALL does not return, which would swamp fewer
    String rules = "rules=[{name: s, pattern: 'session:*', strategy: bucket, buckets: 128, codec: zstd-dict}]";
    Path json = dir.resolve("run.json");
    Run r = run("--quick", "--keys", "8000", "--datasets", "sessions", "--workloads", "none",
        "--redis-config", "hash-max-listpack-value=1024", "--proxy-set", rules, "--json", json.toString());
    assertThat(r.exit()).as("stderr: %s", r.err()).isZero();
    RunReport report = JsonReport.read(json);
    assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("hash-max-listpack-value=1024"));
    DatasetResult d = report.datasets().get(0);
    assertThat(d.proxy().mismatches()).isZero();
    assertThat(d.proxy().bytesPerKey()).as("bucketed and compressed, no per-key overhead")
        .isLessThan(d.direct().bytesPerKey() * 0.65);

    Run defaults = run("--quick", "--keys", "8000", "--datasets", "sessions", "--workloads", "none",
        "--proxy-set", rules, "--json", dir.resolve("defaults.json").toString());
    assertThat(defaults.exit()).as("stderr: %s", defaults.err()).isZero();
    DatasetResult o = JsonReport.read(dir.resolve("defaults.json")).datasets().get(0);
    assertThat(o.proxy().bytesPerKey()).as("overflow keys: one Redis key per session again")
        .isGreaterThan(d.proxy().bytesPerKey() * 1.1);
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
