package io.compactor.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The admin endpoint's health checks, for sidecars and Kubernetes probes. */
class AdminIT {
  @RegisterExtension
  static final ProxyEnvironment ENV = ProxyEnvironment.redis().with("admin.listen", "127.0.0.1:0");

  private static HttpResponse<String> get(String path) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI uri = URI.create("http://127.0.0.1:" + ENV.proxy().adminAddress().getPort() + path);
    return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void health_liveAlways_readyOnlyWhileUpstreamAnswers() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(ready.body()).contains("\"status\":\"ready\"");

    ENV.upstream().stop();
    HttpResponse<String> down = get("/health/ready");
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).contains("unavailable");
    assertThat(get("/health/live").statusCode()).isEqualTo(200);

    ENV.upstream().restart();
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(get("/nope").statusCode()).isEqualTo(404);
  }
}
