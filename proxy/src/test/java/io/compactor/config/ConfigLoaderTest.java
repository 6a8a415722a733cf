package io.compactor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.compactor.resp.RequestLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
  @TempDir
  Path dir;

  // ------------------------------------------------------------------ layers

  @Test
  void load_defaultsWhenNothingGiven() {
    ProxyConfig config = ConfigLoader.load(null, Map.of(), Map.of());

    assertThat(config).isEqualTo(ProxyConfig.defaults());
    assertThat(config.server().listen()).isEqualTo(new HostPort("127.0.0.1", 6380));
    assertThat(config.server().ioThreads()).isZero();
    assertThat(config.server().effectiveIoThreads(1)).as("io-threads 0 on one core").isEqualTo(1);
    assertThat(config.server().effectiveIoThreads(2)).as("io-threads 0 on two cores").isEqualTo(1);
    assertThat(config.server().effectiveIoThreads(8)).as("io-threads 0 on eight cores").isEqualTo(4);
    assertThat(config.server().maxInFlight()).isEqualTo(1024);
    assertThat(config.server().drainTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.server().slowClientTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.upstream().uri()).isNull();
    assertThat(config.upstream().connectTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.upstream().tlsCaFile()).isNull();
    assertThat(config.upstream().multiplex()).isTrue();
    assertThat(config.limits()).isEqualTo(RequestLimits.defaults());
    assertThat(config.admin().listen()).isNull();
  }

  @Test
  void load_emptyFileGivesDefaults() throws IOException {
    Path file = yaml("");

    assertThat(ConfigLoader.load(file, Map.of(), Map.of())).isEqualTo(ProxyConfig.defaults());
  }

  @Test
  void load_yamlFileValues() throws IOException {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    Path file = yaml("""
        server:
          listen: 0.0.0.0:7000
          io-threads: 4
          max-in-flight: 64
          drain-timeout: 30s
          slow-client-timeout: 1500ms
        upstream:
          uri: rediss://app:pw@redis.internal:6390/2
          connect-timeout: 5s
          tls-ca-file: %s
          multiplex: false
        limits:
          max-array-length: 1000
          max-bulk-bytes: 64mb
          max-inline-bytes: 16kb
          max-request-bytes: 128mb
        admin:
          listen: 127.0.0.1:9100
        """.formatted(ca));

    ProxyConfig config = ConfigLoader.load(file, Map.of(), Map.of());

    assertThat(config.server()).isEqualTo(new ServerConfig(
        new HostPort("0.0.0.0", 7000), 4, 64, Duration.ofSeconds(30), Duration.ofMillis(1500), "auto"));
    assertThat(config.upstream()).isEqualTo(new UpstreamConfig(
        new RedisUri(true, new HostPort("redis.internal", 6390), "app", "pw", 2), Duration.ofSeconds(5), ca, false));
    assertThat(config.limits()).isEqualTo(new RequestLimits(1000, 64L << 20, 16 << 10, 128L << 20));
    assertThat(config.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 9100));
  }

  @Test
  void load_envOverridesFile() throws IOException {
    Path file = yaml("""
        server:
          listen: 127.0.0.1:7000
          io-threads: 2
        upstream:
          multiplex: true
        """);
    Map<String, String> env = Map.of(
        "COMPACTOR_SERVER_LISTEN", "127.0.0.1:7001",
        "COMPACTOR_UPSTREAM_MULTIPLEX", "false",
        "COMPACTOR_LIMITS_MAX_BULK_BYTES", "1mb");

    ProxyConfig config = ConfigLoader.load(file, env, Map.of());

    assertThat(config.server().listen()).isEqualTo(new HostPort("127.0.0.1", 7001));
    assertThat(config.server().ioThreads()).as("from the file").isEqualTo(2);
    assertThat(config.upstream().multiplex()).isFalse();
    assertThat(config.limits().maxBulkBytes()).isEqualTo(1L << 20);
  }

  @Test
  void load_overridesBeatEnvAndFile() throws IOException {
    Path file = yaml("""
        server:
          listen: 127.0.0.1:7000
          max-in-flight: 10
        """);
    Map<String, String> env = Map.of(
        "COMPACTOR_SERVER_LISTEN", "127.0.0.1:7001",
        "COMPACTOR_SERVER_MAX_IN_FLIGHT", "20",
        "COMPACTOR_UPSTREAM_URI", "redis://env-host:6379");
    Map<String, String> overrides = Map.of(
        "server.listen", "127.0.0.1:7002",
        "upstream.uri", "redis://flag-host:6379");

    ProxyConfig config = ConfigLoader.load(file, env, overrides);

    assertThat(config.server().listen()).isEqualTo(new HostPort("127.0.0.1", 7002));
    assertThat(config.server().maxInFlight()).as("from the environment").isEqualTo(20);
    assertThat(config.upstream().uri().address().host()).isEqualTo("flag-host");
  }

  @Test
  void load_ignoresEnvironmentVariablesWithoutThePrefix() {
    Map<String, String> env = Map.of(
        "PATH", "/usr/bin",
        "REDIS_URL", "nope",
        "SERVER_LISTEN", "nope",
        "compactor_server_listen", "nope");

    assertThat(ConfigLoader.load(null, env, Map.of())).isEqualTo(ProxyConfig.defaults());
  }

  @Test
  void envName_upperCasesWithUnderscores() {
    assertThat(ConfigLoader.envName("server.listen")).isEqualTo("COMPACTOR_SERVER_LISTEN");
    assertThat(ConfigLoader.envName("limits.max-bulk-bytes")).isEqualTo("COMPACTOR_LIMITS_MAX_BULK_BYTES");
  }

  @Test
  void load_everySettingCanBeSetFromEachLayer() throws IOException {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "pem");
    Map<String, String> valid = Map.ofEntries(
        Map.entry("server.listen", "127.0.0.1:7000"),
        Map.entry("server.io-threads", "3"),
        Map.entry("server.max-in-flight", "5"),
        Map.entry("server.drain-timeout", "3s"),
        Map.entry("server.slow-client-timeout", "4s"),
        Map.entry("server.transport", "nio"),
        Map.entry("upstream.uri", "redis://h:1"),
        Map.entry("upstream.connect-timeout", "6s"),
        Map.entry("upstream.tls-ca-file", ca.toString()),
        Map.entry("upstream.multiplex", "false"),
        Map.entry("limits.max-array-length", "7"),
        Map.entry("limits.max-bulk-bytes", "8kb"),
        Map.entry("limits.max-inline-bytes", "9kb"),
        Map.entry("limits.max-request-bytes", "768mb"),
        Map.entry("admin.listen", "127.0.0.1:7001"),
        Map.entry("metrics.enabled", "false"),
        Map.entry("metrics.survey-period", "0"),
        Map.entry("metrics.survey-sample", "50"),
        Map.entry("metrics.compactor-command", "false"));
    assertThat(valid.keySet()).containsExactlyInAnyOrderElementsOf(ConfigLoader.SETTINGS);

    for (String setting : ConfigLoader.SETTINGS) {
      String value = valid.get(setting);
      ProxyConfig fromFlag = ConfigLoader.load(null, Map.of(), Map.of(setting, value));
      ProxyConfig fromEnv = ConfigLoader.load(null, Map.of(ConfigLoader.envName(setting), value), Map.of());
      String[] parts = setting.split("\\.");
      ProxyConfig fromFile = ConfigLoader.load(
          yaml(parts[0] + ":\n  " + parts[1] + ": \"" + value + "\"\n"), Map.of(), Map.of());

      assertThat(fromFlag).as(setting).isNotEqualTo(ProxyConfig.defaults());
      assertThat(fromEnv).as(setting).isEqualTo(fromFlag);
      assertThat(fromFile).as(setting).isEqualTo(fromFlag);
    }
  }

  // ------------------------------------------------------------------ unknown settings

  @Test
  void load_unknownSettingInFile() throws IOException {
    Path file = yaml("""
        server:
          lissen: 127.0.0.1:7000
        """);

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.lissen");
  }

  @Test
  void load_unknownSectionInFile() throws IOException {
    Path file = yaml("""
        servers:
          listen: 127.0.0.1:7000
        """);

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("servers.listen");
  }

  @Test
  void load_sectionGivenAsScalarInFile() throws IOException {
    Path file = yaml("server: 127.0.0.1:7000\n");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("'server'");
  }

  @Test
  void load_unknownSettingInEnv() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("COMPACTOR_SERVER_LISSEN", "127.0.0.1:7000"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("COMPACTOR_SERVER_LISSEN");
  }

  @Test
  void load_unknownSettingInOverrides() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("server.lissen", "127.0.0.1:7000")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.lissen");
  }

  @Test
  void load_invalidYaml() throws IOException {
    Path file = yaml("server:\n  listen: [unclosed\n");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void load_yamlThatIsNotAMapping() throws IOException {
    Path file = yaml("- server\n- upstream\n");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void load_missingFile() {
    Path file = dir.resolve("absent.yaml");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  // ------------------------------------------------------------------ malformed values

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "server.listen | nope",
      "server.listen | 127.0.0.1",
      "server.listen | 127.0.0.1:99999",
      "server.io-threads | x",
      "server.io-threads | -1",
      "server.max-in-flight | 0",
      "server.max-in-flight | 1.5",
      "server.drain-timeout | 10",
      "server.drain-timeout | 1d",
      "server.slow-client-timeout | 0s",
      "server.transport | fast",
      "server.transport | IO_URING",
      "limits.max-bulk-bytes | 12qb",
      "limits.max-bulk-bytes | -1",
      "limits.max-bulk-bytes | 0",
      "limits.max-bulk-bytes | 2gb",
      "limits.max-array-length | 0",
      "limits.max-array-length | many",
      "limits.max-inline-bytes | 8",
      "limits.max-request-bytes | 1kb",
      "limits.max-request-bytes | 4gb",
      "upstream.connect-timeout | 5",
      "upstream.connect-timeout | 0ms",
      "upstream.connect-timeout | -5s",
      "upstream.uri | http://x",
      "upstream.uri | redis://host:port",
      "upstream.multiplex | maybe",
      "admin.listen | nope"})
  void load_malformedValueNamesTheSetting(String setting, String value) {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of(setting, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(setting);
  }

  @Test
  void load_malformedValueFromEnvNamesTheSetting() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("COMPACTOR_SERVER_IO_THREADS", "x"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.io-threads")
        .hasMessageContaining("'x'");
  }

  @Test
  void load_malformedValueFromFileNamesTheSetting() throws IOException {
    Path file = yaml("""
        limits:
          max-bulk-bytes: 12qb
        """);

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("limits.max-bulk-bytes");
  }

  @Test
  void load_unreadableTlsCaFile() {
    String missing = dir.resolve("missing.pem").toString();

    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("upstream.tls-ca-file", missing)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("upstream.tls-ca-file");
  }

  @Test
  void load_requestLimitSmallerThanBulkLimitNamesTheSetting() {
    Map<String, String> overrides = Map.of("limits.max-bulk-bytes", "2mb", "limits.max-request-bytes", "1mb");

    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), overrides))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("limits.max-request-bytes");
  }

  // Values too large for their type: each must be a ConfigException naming the setting.

  @ParameterizedTest
  @ValueSource(strings = {"server.drain-timeout", "server.slow-client-timeout", "upstream.connect-timeout"})
  void load_durationTooLargeNamesTheSetting(String setting) {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of(setting, "99999999999999999999s")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(setting);
  }

  @Test
  void load_durationOverflowingDurationNamesTheSetting() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("server.drain-timeout", "9223372036854775807h")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.drain-timeout");
  }

  @ParameterizedTest
  @ValueSource(strings = {"limits.max-bulk-bytes", "limits.max-request-bytes", "limits.max-inline-bytes"})
  void load_sizeTooLargeNamesTheSetting(String setting) {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of(setting, "99999999999999999999")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(setting);
  }

  @Test
  void load_inlineLimitAboveIntRangeIsRejected() {
    // 4294967312 = 2^32 + 16: must not wrap around to 16
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("limits.max-inline-bytes", "4294967312")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("limits.max-inline-bytes");
  }

  @Test
  void load_sizeOverflowingLongIsRejected() {
    // (2^34 + 1) GiB = 2^64 + 2^30 bytes: must not wrap around to 1 GiB
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("limits.max-bulk-bytes", "17179869185gb")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("limits.max-bulk-bytes");
  }

  // ------------------------------------------------------------------ value syntax

  @ParameterizedTest
  @CsvSource({
      "65536, 65536",
      "64kb, 65536",
      "64k, 65536",
      "64KB, 65536",
      "' 64 kb ', 65536",
      "512mb, 536870912",
      "512m, 536870912",
      "1g, 1073741824",
      "1gb, 1073741824",
      "100b, 100"})
  void load_sizes(String text, long bytes) {
    ProxyConfig config = ConfigLoader.load(null, Map.of(), Map.of("limits.max-bulk-bytes", text));

    assertThat(config.limits().maxBulkBytes()).isEqualTo(bytes);
  }

  @Test
  void load_inlineSize() {
    ProxyConfig config = ConfigLoader.load(null, Map.of(), Map.of("limits.max-inline-bytes", "64kb"));

    assertThat(config.limits().maxInlineBytes()).isEqualTo(65536);
  }

  @ParameterizedTest
  @CsvSource({
      "500ms, 500",
      "2s, 2000",
      "1m, 60000",
      "1h, 3600000",
      "2S, 2000",
      "' 3 s ', 3000"})
  void load_durations(String text, long millis) {
    ProxyConfig config = ConfigLoader.load(null, Map.of(), Map.of(
        "server.drain-timeout", text, "server.slow-client-timeout", text, "upstream.connect-timeout", text));

    assertThat(config.server().drainTimeout()).isEqualTo(Duration.ofMillis(millis));
    assertThat(config.server().slowClientTimeout()).isEqualTo(Duration.ofMillis(millis));
    assertThat(config.upstream().connectTimeout()).isEqualTo(Duration.ofMillis(millis));
  }

  @Test
  void load_zeroDrainTimeoutIsAllowed() {
    assertThat(ConfigLoader.load(null, Map.of(), Map.of("server.drain-timeout", "0s")).server().drainTimeout())
        .isZero();
  }

  @ParameterizedTest
  @CsvSource({"true, true", "false, false", "TRUE, true", "False, false", "yes, true", "no, false",
      "on, true", "off, false"})
  void load_multiplex(String text, boolean expected) {
    ProxyConfig config = ConfigLoader.load(null, Map.of(), Map.of("upstream.multiplex", text));

    assertThat(config.upstream().multiplex()).isEqualTo(expected);
  }

  @Test
  void load_multiplexFromYamlBooleans() throws IOException {
    assertThat(ConfigLoader.load(yaml("upstream:\n  multiplex: false\n"), Map.of(), Map.of()).upstream().multiplex())
        .isFalse();
    assertThat(ConfigLoader.load(yaml("upstream:\n  multiplex: off\n"), Map.of(), Map.of()).upstream().multiplex())
        .isFalse();
  }

  @Test
  void load_multiplexBad() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("upstream.multiplex", "1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("upstream.multiplex")
        .hasMessageContaining("'1'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"off", "OFF", "Off", ""})
  void load_adminListenOff(String text) {
    ProxyConfig config = ConfigLoader.load(null, Map.of(), Map.of("admin.listen", text));

    assertThat(config.admin().listen()).isNull();
  }

  @Test
  void load_adminListenOffOverridesFile() throws IOException {
    Path file = yaml("admin:\n  listen: 127.0.0.1:9100\n");

    ProxyConfig config = ConfigLoader.load(file, Map.of("COMPACTOR_ADMIN_LISTEN", "off"), Map.of());

    assertThat(config.admin().listen()).isNull();
  }

  @Test
  void load_adminListenQuotedOffInYaml() throws IOException {
    Path file = yaml("admin:\n  listen: \"off\"\n");

    assertThat(ConfigLoader.load(file, Map.of(), Map.of()).admin().listen()).isNull();
  }

  @Test
  void load_adminListenUnquotedOffInYaml() throws IOException {
    // YAML 1.1 (SnakeYAML) reads a bare off as the boolean false; it still means "disabled"
    Path file = yaml("admin:\n  listen: off\n");

    assertThat(ConfigLoader.load(file, Map.of(), Map.of()).admin().listen()).isNull();
  }

  @Test
  void load_adminListenAddress() {
    ProxyConfig config = ConfigLoader.load(null, Map.of(), Map.of("admin.listen", "[::1]:9100"));

    assertThat(config.admin().listen()).isEqualTo(new HostPort("::1", 9100));
  }

  @Test
  void load_blankUpstreamUriMeansNone() {
    ProxyConfig config = ConfigLoader.load(null, Map.of("COMPACTOR_UPSTREAM_URI", "redis://h:1"),
        Map.of("upstream.uri", " "));

    assertThat(config.upstream().uri()).isNull();
  }

  @Test
  void load_upstreamUriErrorNamesTheSetting() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("upstream.uri", "http://x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("upstream.uri: ");
  }

  // ------------------------------------------------------------------ shipped examples

  @Test
  void load_everyYamlFileInTheConfigDirectory() throws IOException {
    Path configDir = Path.of("..", "config").toAbsolutePath().normalize();
    assertThat(configDir).as("repository config directory").isDirectory();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(configDir)) {
      s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().forEach(files::add);
    }
    assertThat(files).as("*.yaml files in %s", configDir).isNotEmpty();

    SoftAssertions softly = new SoftAssertions();
    for (Path file : files) {
      softly.assertThatCode(() -> ConfigLoader.load(file, Map.of(), Map.of()))
          .as(file.toString())
          .doesNotThrowAnyException();
    }
    softly.assertAll();
  }

  // ------------------------------------------------------------------ rules

  @Test
  void rules_fromFileWithDefaults() throws IOException {
    Path file = yaml("""
        rules:
          - name: media
            pattern: "media:*"
            strategy: bucket
          - name: sess
            pattern: "sess:*"
            strategy: bucket
            buckets: 1024
            fields-per-bucket: 50
            legacy-reads: off
          - name: tok
            pattern: "tok:*"
            strategy: bucket
            binary-ids: true
        """);

    List<RuleConfig> rules = ConfigLoader.load(file, Map.of(), Map.of()).rules();

    assertThat(rules).containsExactly(
        RuleConfig.bucket("media", "media:*"),
        new RuleConfig("sess", "sess:*", RuleConfig.Strategy.BUCKET, 50, 1024, false),
        new RuleConfig("tok", "tok:*", RuleConfig.Strategy.BUCKET, RuleConfig.DEFAULT_FIELDS_PER_BUCKET,
            RuleConfig.DEFAULT_BUCKETS, true, null, true));
  }

  @Test
  void rules_fromEnvironmentAndFlagAsYamlText() {
    String text = "[{name: m, pattern: 'media:*', strategy: bucket}]";
    ProxyConfig fromEnv = ConfigLoader.load(null, Map.of("COMPACTOR_RULES", text), Map.of());
    ProxyConfig fromFlag = ConfigLoader.load(null, Map.of(), Map.of("rules", text));

    assertThat(fromEnv.rules()).containsExactly(RuleConfig.bucket("m", "media:*"));
    assertThat(fromFlag).isEqualTo(fromEnv);
  }

  @Test
  void rules_compress_withDefaultsAndSettings() {
    ProxyConfig c = ConfigLoader.load(null, Map.of(), Map.of("rules", "[{name: s, pattern: 'session:*', strategy: compress,"
        + " codec: zstd-dict}, {name: p, pattern: 'page:*', strategy: compress, codec: ZSTD, level: 9, min-size: 100,"
        + " dictionary-size: 4096, train-after: 500}]"));

    assertThat(c.rules()).containsExactly(RuleConfig.compress("s", "session:*", "zstd-dict"),
        new RuleConfig("p", "page:*", RuleConfig.Strategy.COMPRESS, RuleConfig.DEFAULT_FIELDS_PER_BUCKET,
            RuleConfig.DEFAULT_BUCKETS, false, new RuleConfig.Compression("zstd", 9, 100, 4096, 500,
            RuleConfig.Compression.DEFAULT_AUTO_MIN_MB_PER_SECOND, RuleConfig.Compression.DEFAULT_AUTO_MAX_MICROS_PER_VALUE)));
  }

  @Test
  void rules_fsst_minSizeDefaultsLower() {
    ProxyConfig c = ConfigLoader.load(null, Map.of(), Map.of("rules", "[{name: n, pattern: 'user:*:name', strategy: bucket,"
        + " codec: fsst}, {name: e, pattern: 'user:*:email', strategy: bucket, codec: FSST, min-size: 20}]"));

    assertThat(c.rules().get(0).compression()).isEqualTo(RuleConfig.Compression.of("fsst"));
    assertThat(c.rules().get(0).compression().minSize()).isEqualTo(RuleConfig.Compression.DEFAULT_MIN_SIZE_FSST).isEqualTo(8);
    assertThat(c.rules().get(1).compression().minSize()).isEqualTo(20);
    ProxyConfig auto = ConfigLoader.load(null, Map.of(), Map.of("rules", "[{name: a, pattern: 'a:*', strategy: compress,"
        + " codec: auto}]"));
    assertThat(auto.rules().get(0).compression().minSize()).as("auto may choose fsst").isEqualTo(8);
  }

  @Test
  void rules_auto_speedBudgets() {
    RuleConfig.Compression defaults = ConfigLoader.load(null, Map.of(), Map.of("rules", "[{name: a, pattern: 'a:*',"
        + " strategy: compress, codec: auto}]")).rules().get(0).compression();
    assertThat(defaults.autoMinMbPerSecond()).isEqualTo(50.0);
    assertThat(defaults.autoMaxMicrosPerValue()).isEqualTo(1.0);
    RuleConfig.Compression set = ConfigLoader.load(null, Map.of(), Map.of("rules", "[{name: a, pattern: 'a:*',"
        + " strategy: compress, codec: auto, auto-min-mb-per-second: 12.5, auto-max-micros-per-value: 0}]"))
        .rules().get(0).compression();
    assertThat(set.autoMinMbPerSecond()).isEqualTo(12.5);
    assertThat(set.autoMaxMicrosPerValue()).isEqualTo(0.0);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[{name: m, pattern: 'a:*', strategy: zip}]                  | rules[0] (m).strategy: 'zip' (expected: bucket or compress)",
      "[{name: 'bad name', pattern: 'a:*', strategy: bucket}]      | rules[0] (bad name).name: 'bad name'",
      "[{name: m, strategy: bucket}]                               | rules[0] (m).pattern",
      "[{name: m, pattern: 'a:*', strategy: bucket, bucket: 5}]    | rules[0] (m): unknown key 'bucket'",
      "[{name: m, pattern: 'a:*', strategy: bucket, buckets: x}]   | rules[0] (m).buckets: 'x' (expected: an integer)",
      "[{name: m, pattern: 'a:*', strategy: bucket, fields-per-bucket: 1}] | rules[0] (m).fields-per-bucket: 1",
      "[{name: m, pattern: 'a:*', strategy: bucket}, {name: m, pattern: 'b:*', strategy: bucket}] | rules[1] (m).name: 'm' (expected: a name no other rule has)",
      "{name: m}                                                   | rules: expected a list of rules",
      "[{name: z, pattern: 'a:*', strategy: compress}]             | rules[0] (z).codec: missing (expected one of: lz4, zstd, zstd-dict, msgpack, msgpack+zstd-dict, fsst, json, auto)",
      "[{name: z, pattern: 'a:*', strategy: compress, codec: gzip}] | rules[0] (z).codec: 'gzip' (expected one of: lz4, zstd",
      "[{name: z, pattern: 'a:*', strategy: compress, codec: zstd, level: 30}] | rules[0] (z).level: 30 (expected: 1..19)",
      "[{name: z, pattern: 'a:*', strategy: compress, codec: zstd, buckets: 4}] | rules[0] (z).buckets: set on a compress rule (expected: only on bucket rules)",
      "[{name: z, pattern: 'a:*', strategy: bucket, level: 3}]     | rules[0] (z).level: set without a codec",
      "[{name: z, pattern: 'a:*', strategy: compress, codec: lz4, binary-ids: true}] | rules[0] (z).binary-ids: set on a compress rule (expected: only on bucket rules)",
      "[{name: z, pattern: 'a:*', strategy: bucket, binary-ids: maybe}] | rules[0] (z).binary-ids: 'maybe' (expected: true or false)",
      "[{name: z, pattern: 'a:*', strategy: compress, codec: zstd-dict, train-after: 5}] | rules[0] (z).train-after: 5 (expected: 100..100000)",
      "[{name: z, pattern: 'a:*', strategy: compress, codec: zstd, auto-min-mb-per-second: 5}] | rules[0] (z).auto-min-mb-per-second: set with codec zstd (expected: only with codec auto)",
      "[{name: z, pattern: 'a:*', strategy: bucket, auto-max-micros-per-value: 5}] | rules[0] (z).auto-max-micros-per-value: set without a codec",
      "[{name: z, pattern: 'a:*', strategy: compress, codec: auto, auto-min-mb-per-second: fast}] | rules[0] (z).auto-min-mb-per-second: 'fast' (expected: a number)",
      "[{name: z, pattern: 'a:*', strategy: compress, codec: auto, auto-max-micros-per-value: -1}] | rules[0] (z).auto-max-micros-per-value: -1.0 (expected: 0..1000000)",
  })
  void rules_invalid_namesRuleAndKey(String rules, String message) {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("rules", rules)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  private Path yaml(String text) throws IOException {
    Path file = Files.createTempFile(dir, "config", ".yaml");
    return Files.writeString(file, text);
  }
}
