package io.compactor.config;

import io.compactor.resp.RequestLimits;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Loads {@link ProxyConfig} once: built-in defaults, then a YAML file, then {@code COMPACTOR_*}
 * environment variables, then command-line overrides, each layer winning over the one before.
 *
 * <p>Every setting has a dotted name ({@code server.listen}); its environment variable is
 * {@code COMPACTOR_} plus the name upper-cased with dots and dashes as underscores
 * ({@code COMPACTOR_SERVER_LISTEN}). Unknown settings are errors, so a typo never silently falls back to
 * a default. Every error is a {@link ConfigException} whose message names the setting.
 */
public final class ConfigLoader {
  /** Prefix of environment variables that carry settings. */
  public static final String ENV_PREFIX = "COMPACTOR_";

  /** Every setting the loader knows, in documentation order. */
  public static final List<String> SETTINGS = List.of(
      "server.listen",
      "server.io-threads",
      "server.max-in-flight",
      "server.drain-timeout",
      "server.slow-client-timeout",
      "server.transport",
      "upstream.uri",
      "upstream.connect-timeout",
      "upstream.tls-ca-file",
      "upstream.multiplex",
      "limits.max-array-length",
      "limits.max-bulk-bytes",
      "limits.max-inline-bytes",
      "limits.max-request-bytes",
      "admin.listen",
      "metrics.enabled",
      "metrics.survey-period",
      "metrics.survey-sample",
      "metrics.compactor-command");

  /**
   * The compaction rules: a YAML list at the top level of the file, or the same list as YAML text
   * (flow style, {@code [{name: m, pattern: "media:*", strategy: bucket}]}) in {@code COMPACTOR_RULES}
   * or {@code --set rules=...}. A later layer replaces the whole list.
   */
  public static final String RULES = "rules";

  /** Keys a rule entry may have. */
  static final List<String> RULE_KEYS = List.of("name", "pattern", "strategy", "fields-per-bucket", "buckets",
      "legacy-reads", "binary-ids", "codec", "level", "min-size", "dictionary-size", "train-after",
      "auto-min-mb-per-second", "auto-max-micros-per-value");

  private ConfigLoader() {}

  /**
   * Loads the configuration.
   *
   * @param file YAML file, or null for none
   * @param env environment variables (only {@code COMPACTOR_*} ones are read)
   * @param overrides settings by dotted name, from command-line flags
   */
  public static ProxyConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> values = new LinkedHashMap<>();
    if (file != null) {
      values.putAll(readYaml(file));
    }
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().equals(envName(RULES))) {
        values.put(RULES, e.getValue());
      } else if (e.getKey().startsWith(ENV_PREFIX)) {
        values.put(settingForEnv(e.getKey()), e.getValue());
      }
    }
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      if (!SETTINGS.contains(e.getKey()) && !e.getKey().equals(RULES)) {
        throw unknown(e.getKey(), "flag");
      }
      values.put(e.getKey(), e.getValue());
    }
    return build(values);
  }

  /** The environment variable that sets {@code setting}. */
  public static String envName(String setting) {
    return ENV_PREFIX + setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static String settingForEnv(String envName) {
    for (String s : SETTINGS) {
      if (envName(s).equals(envName)) {
        return s;
      }
    }
    throw unknown(envName, "environment variable");
  }

  private static ConfigException unknown(String name, String where) {
    return new ConfigException(
        "unknown " + where + " '" + name + "' (expected one of: " + String.join(", ", SETTINGS) + ")");
  }

  static Map<String, String> readYaml(Path file) {
    Object root;
    try (Reader reader = Files.newBufferedReader(file)) {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (IOException e) {
      throw new ConfigException("config file " + file + ": cannot read (" + e.getMessage() + ")");
    } catch (YAMLException e) {
      throw new ConfigException(
          "config file " + file + ": not valid YAML (" + e.getMessage().replace('\n', ' ') + ")");
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null) {
      return out;
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ConfigException("config file " + file + ": expected a mapping of sections at the top level");
    }
    flatten("", map, out, file);
    return out;
  }

  private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out, Path file) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String name = prefix + e.getKey();
      Object v = e.getValue();
      if (name.equals(RULES)) {
        out.put(RULES, new Yaml().dump(v));
      } else if (v instanceof Map<?, ?> child) {
        flatten(name + ".", child, out, file);
      } else {
        if (!SETTINGS.contains(name)) {
          throw new ConfigException("config file " + file + ": unknown setting '" + name
              + "' (expected one of: " + String.join(", ", SETTINGS) + ")");
        }
        // YAML 1.1 reads a bare off/no/false as a boolean: keep the text the user meant
        out.put(name, v == null ? "" : v instanceof Boolean b ? (b ? "true" : "false") : String.valueOf(v));
      }
    }
  }

  private static ProxyConfig build(Map<String, String> v) {
    ServerConfig sd = ServerConfig.defaults();
    ServerConfig server = new ServerConfig(
        hostPort(v, "server.listen", sd.listen()),
        integer(v, "server.io-threads", sd.ioThreads()),
        integer(v, "server.max-in-flight", sd.maxInFlight()),
        duration(v, "server.drain-timeout", sd.drainTimeout()),
        duration(v, "server.slow-client-timeout", sd.slowClientTimeout()),
        v.getOrDefault("server.transport", sd.transport()));

    UpstreamConfig ud = UpstreamConfig.defaults();
    RedisUri uri = null;
    String uriText = v.get("upstream.uri");
    if (uriText != null && !uriText.isBlank()) {
      try {
        uri = RedisUri.parse(uriText);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("upstream.uri: " + e.getMessage());
      }
    }
    String ca = v.get("upstream.tls-ca-file");
    Path caFile = ca == null || ca.isBlank() ? null : Path.of(ca);
    if (caFile != null && !Files.isReadable(caFile)) {
      throw ConfigException.invalid("upstream.tls-ca-file", ca, "a readable PEM file");
    }
    UpstreamConfig upstream = new UpstreamConfig(
        uri, duration(v, "upstream.connect-timeout", ud.connectTimeout()), caFile,
        bool(v, "upstream.multiplex", ud.multiplex()));

    RequestLimits ld = RequestLimits.defaults();
    RequestLimits limits;
    try {
      limits = new RequestLimits(
          integer(v, "limits.max-array-length", ld.maxArrayLength()),
          size(v, "limits.max-bulk-bytes", ld.maxBulkBytes()),
          intSize(v, "limits.max-inline-bytes", ld.maxInlineBytes()),
          size(v, "limits.max-request-bytes", ld.maxRequestBytes()));
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new ConfigException("limits." + kebab(e.getMessage()));
    }

    String admin = v.get("admin.listen");
    HostPort adminListen = null;
    if (admin != null && !admin.isBlank() && !admin.equalsIgnoreCase("off") && !admin.equalsIgnoreCase("false")) {
      adminListen = hostPort(v, "admin.listen", null);
    }
    MetricsConfig md = MetricsConfig.defaults();
    int sample = integer(v, "metrics.survey-sample", md.surveySample());
    if (sample < 1) {
      throw ConfigException.invalid("metrics.survey-sample", String.valueOf(sample), "an integer >= 1");
    }
    MetricsConfig metrics = new MetricsConfig(bool(v, "metrics.enabled", md.enabled()),
        "0".equals(v.get("metrics.survey-period")) || "off".equalsIgnoreCase(v.get("metrics.survey-period"))
            ? java.time.Duration.ZERO : duration(v, "metrics.survey-period", md.surveyPeriod()), sample,
        bool(v, "metrics.compactor-command", md.compactorCommand()));
    return new ProxyConfig(server, upstream, limits, new AdminConfig(adminListen), rules(v.get(RULES)), metrics);
  }

  /** Parses the rules list; every error names the rule (by position and name) and the key. */
  static List<RuleConfig> rules(String yaml) {
    if (yaml == null || yaml.isBlank()) {
      return List.of();
    }
    Object root;
    try {
      root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
    } catch (YAMLException e) {
      throw new ConfigException("rules: not valid YAML (" + e.getMessage().replace('\n', ' ') + ")");
    }
    if (root == null) {
      return List.of();
    }
    if (!(root instanceof List<?> list)) {
      throw new ConfigException("rules: expected a list of rules, each with name, pattern and strategy");
    }
    List<RuleConfig> out = new java.util.ArrayList<>();
    java.util.Set<String> names = new java.util.HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String where = "rules[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw new ConfigException(where + ": expected a mapping with name, pattern and strategy");
      }
      Map<String, String> r = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        Object val = e.getValue();
        r.put(String.valueOf(e.getKey()),
            val == null ? "" : val instanceof Boolean b ? (b ? "true" : "false") : String.valueOf(val));
      }
      if (r.get("name") != null) {
        where += " (" + r.get("name") + ")";
      }
      for (String key : r.keySet()) {
        if (!RULE_KEYS.contains(key)) {
          throw new ConfigException(where + ": unknown key '" + key + "' (expected one of: "
              + String.join(", ", RULE_KEYS) + ")");
        }
      }
      String strategyText = r.getOrDefault("strategy", "");
      RuleConfig.Strategy strategy = switch (strategyText.trim().toLowerCase(Locale.ROOT)) {
        case "bucket" -> RuleConfig.Strategy.BUCKET;
        case "compress" -> RuleConfig.Strategy.COMPRESS;
        default -> throw new ConfigException(where + ".strategy: '" + strategyText + "' (expected: bucket or compress)");
      };
      try {
        RuleConfig.Compression compression = null;
        if (r.containsKey("codec") || strategy == RuleConfig.Strategy.COMPRESS) {
          for (String k : List.of("fields-per-bucket", "buckets", "legacy-reads", "binary-ids")) {
            if (strategy == RuleConfig.Strategy.COMPRESS && r.containsKey(k)) {
              throw new ConfigException(where + "." + k + ": set on a compress rule (expected: only on bucket rules)");
            }
          }
          if (r.get("codec") == null) {
            throw new ConfigException(where + ".codec: missing (expected one of: "
                + String.join(", ", RuleConfig.CODECS) + ")");
          }
          String codec = r.get("codec").trim().toLowerCase(Locale.ROOT);
          for (String k : List.of("auto-min-mb-per-second", "auto-max-micros-per-value")) {
            if (!"auto".equals(codec) && r.containsKey(k)) {
              throw new ConfigException(where + "." + k + ": set with codec " + codec + " (expected: only with codec auto)");
            }
          }
          compression = new RuleConfig.Compression(codec,
              integer(r, "level", RuleConfig.Compression.DEFAULT_LEVEL),
              integer(r, "min-size", RuleConfig.Compression.defaultMinSize(codec)),
              integer(r, "dictionary-size", RuleConfig.Compression.DEFAULT_DICTIONARY_SIZE),
              integer(r, "train-after", RuleConfig.Compression.DEFAULT_TRAIN_AFTER),
              number(r, "auto-min-mb-per-second", RuleConfig.Compression.DEFAULT_AUTO_MIN_MB_PER_SECOND),
              number(r, "auto-max-micros-per-value", RuleConfig.Compression.DEFAULT_AUTO_MAX_MICROS_PER_VALUE));
        } else {
          for (String k : List.of("level", "min-size", "dictionary-size", "train-after", "auto-min-mb-per-second",
              "auto-max-micros-per-value")) {
            if (r.containsKey(k)) {
              throw new ConfigException(where + "." + k + ": set without a codec (expected: only with codec)");
            }
          }
        }
        RuleConfig rule = new RuleConfig(r.get("name"), r.get("pattern"), strategy,
            integer(r, "fields-per-bucket", RuleConfig.DEFAULT_FIELDS_PER_BUCKET),
            integer(r, "buckets", RuleConfig.DEFAULT_BUCKETS),
            bool(r, "legacy-reads", strategy == RuleConfig.Strategy.BUCKET), compression,
            bool(r, "binary-ids", false));
        if (!names.add(rule.name())) {
          throw new ConfigException(where + ".name: '" + rule.name() + "' (expected: a name no other rule has)");
        }
        out.add(rule);
      } catch (ConfigException e) {
        throw e.getMessage().startsWith("rules[") ? e : new ConfigException(where + "." + e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + "." + e.getMessage());
      }
    }
    return List.copyOf(out);
  }

  /** {@code maxBulkBytes: ...} to {@code max-bulk-bytes: ...}. */
  private static String kebab(String message) {
    int colon = message.indexOf(':');
    String field = colon < 0 ? message : message.substring(0, colon);
    return field.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT) + (colon < 0 ? "" : message.substring(colon));
  }

  private static HostPort hostPort(Map<String, String> v, String name, HostPort def) {
    String s = v.get(name);
    if (s == null) {
      return def;
    }
    try {
      return HostPort.parse(s);
    } catch (IllegalArgumentException e) {
      throw ConfigException.invalid(name, s, "HOST:PORT, for example 127.0.0.1:6380");
    }
  }

  private static boolean bool(Map<String, String> v, String name, boolean def) {
    String s = v.get(name);
    if (s == null) {
      return def;
    }
    return switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw ConfigException.invalid(name, s, "true or false");
    };
  }

  private static int integer(Map<String, String> v, String name, int def) {
    String s = v.get(name);
    if (s == null) {
      return def;
    }
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw ConfigException.invalid(name, s, "an integer");
    }
  }

  private static double number(Map<String, String> v, String name, double def) {
    String s = v.get(name);
    if (s == null) {
      return def;
    }
    try {
      double d = Double.parseDouble(s.trim());
      if (Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // the error below
    }
    throw ConfigException.invalid(name, s, "a number");
  }

  private static final Pattern SIZE = Pattern.compile("(?i)\\s*(\\d+)\\s*(b|kb|mb|gb|k|m|g)?\\s*");
  private static final Pattern DURATION = Pattern.compile("(?i)\\s*(\\d+)\\s*(ms|s|m|h)\\s*");

  private static long size(Map<String, String> v, String name, long def) {
    String s = v.get(name);
    if (s == null) {
      return def;
    }
    Matcher m = SIZE.matcher(s);
    if (!m.matches()) {
      throw ConfigException.invalid(name, s, "a size such as 65536, 64kb, 512mb or 1gb");
    }
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    long mult = switch (unit) {
      case "k", "kb" -> 1024L;
      case "m", "mb" -> 1024L * 1024;
      case "g", "gb" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    try {
      return Math.multiplyExact(Long.parseLong(m.group(1)), mult);
    } catch (ArithmeticException | NumberFormatException e) {
      throw ConfigException.invalid(name, s, "a size below 8 EiB");
    }
  }

  private static int intSize(Map<String, String> v, String name, int def) {
    long n = size(v, name, def);
    if (n > Integer.MAX_VALUE) {
      throw ConfigException.invalid(name, v.get(name), "at most " + Integer.MAX_VALUE + " bytes");
    }
    return (int) n;
  }

  private static Duration duration(Map<String, String> v, String name, Duration def) {
    String s = v.get(name);
    if (s == null) {
      return def;
    }
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      throw ConfigException.invalid(name, s, "a duration such as 500ms, 2s, 1m or 1h");
    }
    try {
      long n = Long.parseLong(m.group(1));
      Duration d = switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      };
      d.toMillis(); // must fit in milliseconds, as it is used
      return d;
    } catch (ArithmeticException | NumberFormatException e) {
      throw ConfigException.invalid(name, s, "a duration below 292 million years");
    }
  }
}
