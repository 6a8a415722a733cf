package io.compactor.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MaintenanceTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void restAfterPass_expiredFieldsPilingUp_nextPassAtOnce() {
    assertThat(Maintenance.restAfterPass(30 * SECOND, 16_000, 1_000)).isZero();
    assertThat(Maintenance.restAfterPass(SECOND / 10, 3, 1)).isZero();
  }

  @Test
  void restAfterPass_fewExpiredFields_restsFourTimesThePass_between1And60Seconds() {
    assertThat(Maintenance.restAfterPass(2 * SECOND, 16_000, 999)).isEqualTo(8 * SECOND);
    assertThat(Maintenance.restAfterPass(2 * SECOND, 16_000, 0)).isEqualTo(8 * SECOND);
    assertThat(Maintenance.restAfterPass(SECOND / 10, 0, 0)).isEqualTo(SECOND);
    assertThat(Maintenance.restAfterPass(100 * SECOND, 1_000_000, 10)).isEqualTo(60 * SECOND);
  }
}
