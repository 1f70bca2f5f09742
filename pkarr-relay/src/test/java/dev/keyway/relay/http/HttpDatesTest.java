package dev.keyway.relay.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Test;

class HttpDatesTest {
  @Test
  void formatsImfFixdateWithTwoDigitDays() {
    assertThat(HttpDates.formatMicros(1697016827303000L)).isEqualTo("Wed, 11 Oct 2023 09:33:47 GMT");
    assertThat(HttpDates.format(0)).isEqualTo("Thu, 01 Jan 1970 00:00:00 GMT");
    assertThat(HttpDates.format(784111777)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    assertThat(HttpDates.formatMicros(-1)).isEqualTo("Wed, 31 Dec 1969 23:59:59 GMT");
  }

  @Test
  void formatAgreesWithTheJdkOverManyDates() {
    DateTimeFormatter jdk = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US);
    for (long s = 0; s < 4_000_000_000L; s += 12_345_677L) {
      assertThat(HttpDates.format(s))
          .isEqualTo(ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(s), java.time.ZoneOffset.UTC).format(jdk));
      assertThat(HttpDates.parse(HttpDates.format(s))).isEqualTo(s);
    }
  }

  @Test
  void parsesTheThreeFormsAndIgnoresGarbage() {
    long t = 784111777L;
    assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(t);
    assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(t);
    assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994")).isEqualTo(t);
    assertThat(HttpDates.parse("Mon, 06 Nov 1994 08:49:37 GMT")).as("wrong weekday tolerated").isEqualTo(t);
    assertThat(HttpDates.parse("Thursday, 01-Jan-70 00:00:00 GMT")).isEqualTo(0);
    assertThat(HttpDates.parse("Friday, 31-Dec-69 23:59:59 GMT")).isEqualTo(3_155_759_999L);
    assertThat(HttpDates.parse(null)).isNull();
    assertThat(HttpDates.parse("")).isNull();
    assertThat(HttpDates.parse("yesterday")).isNull();
    assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 PST")).isNull();
    assertThat(HttpDates.parse("1697016827")).isNull();
    // Dates that name no real time are not corrected into one (and the header is then ignored).
    assertThat(HttpDates.parse("Sat, 30 Feb 2027 00:00:00 GMT")).isNull();
    assertThat(HttpDates.parse("Sat, 27 Feb 2027 24:00:00 GMT")).isNull();
    assertThat(HttpDates.parse("Sat, 27 Feb 2027 23:60:00 GMT")).isNull();
    assertThat(HttpDates.parse("Tue, 29 Feb 2028 12:00:00 GMT")).isEqualTo(1_835_438_400L);
    assertThat(HttpDates.parse("Tuesday, 30-Feb-27 00:00:00 GMT")).isNull();
    assertThat(HttpDates.parse("Tue Feb 30 00:00:00 2027")).isNull();
  }
}
