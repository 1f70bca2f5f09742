package dev.keyway.client.addr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keyway.client.InvalidInputException;
import dev.keyway.client.testing.PublicVectors;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class RelayUrlTest {

  static List<JsonNode> displayVectors() {
    return PublicVectors.section("txt_records").stream()
        .filter(v -> "relay_url_display".equals(v.path("kind").asText())).toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("displayVectors")
  void relayUrlDisplayVectors(JsonNode v) {
    String input = v.get("input").asText();
    RelayUrl url = RelayUrl.parse(input);
    if (v.has("display")) {
      assertThat(url.toString()).isEqualTo(v.get("display").asText());
    } else {
      // "the trailing dot is kept in the host"
      assertThat(url.host()).isEqualTo("example.com.");
      assertThat(url.toString()).isEqualTo("https://example.com./");
      assertThat(url).isNotEqualTo(RelayUrl.parse("https://example.com"));
    }
    assertThat(RelayUrl.parse(url.toString())).isEqualTo(url);
  }

  @Test
  void relayUrlsInOtherVectorsAreAlreadyNormalised() {
    for (String s : List.of("http://derp.me./", "https://euw1-1.relay.iroh.network./", "https://relay.example./",
        "https://example.com/", "https://use1-1.relay.n0.iroh.link./")) {
      assertThat(RelayUrl.parse(s).toString()).isEqualTo(s);
    }
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "HTTPS://Example.COM:443/                | https://example.com/",
      "http://example.com:80                   | http://example.com/",
      "ws://example.com:80/x                   | ws://example.com/x",
      "wss://example.com:443                   | wss://example.com/",
      "http://example.com:443                  | http://example.com:443/",
      "https://relay.example.com:0443/         | https://relay.example.com/",
      "https://example.com:/                   | https://example.com/",
      "https://example.com:8443/a/b            | https://example.com:8443/a/b",
      "\"  https://example.com/ \"             | https://example.com/",
      "\"ht\ttps://exa\nmple.com/\"            | https://example.com/",
      "https:example.com                       | https://example.com/",
      "https:///example.com                    | https://example.com/",
      "https:\\\\example.com\\a\\b             | https://example.com/a/b",
      "http://127.0.0.1:3340                   | http://127.0.0.1:3340/",
      "http://0x7f.1/                          | http://127.0.0.1/",
      "http://2130706433/                      | http://127.0.0.1/",
      "http://0177.0.0.1/                      | http://127.0.0.1/",
      "http://1.2.3.4./                        | http://1.2.3.4/",
      "http://[::1]:8080/                      | http://[::1]:8080/",
      "http://[0:0:0:0:0:0:0:1]/               | http://[::1]/",
      "http://[2001:DB8:0:0:1:0:0:1]/          | http://[2001:db8::1:0:0:1]/",
      "http://[::ffff:1.2.3.4]/                | http://[::ffff:102:304]/",
      "https://example.com/a/./b/../c          | https://example.com/a/c",
      "https://example.com/a/b/..              | https://example.com/a/",
      "https://example.com/a/%2E%2e/b/%2e      | https://example.com/b/",
      "https://example.com/..                  | https://example.com/",
      "https://example.com//                   | https://example.com//",
      "https://example.com/a b                 | https://example.com/a%20b",
      "https://example.com/ä                   | https://example.com/%C3%A4",
      "https://example.com/{x}`                | https://example.com/%7Bx%7D%60",
      "https://example.com/%zz%41              | https://example.com/%zz%41",
      "https://example.com?q                   | https://example.com/?q",
      "https://example.com/?                   | https://example.com/?",
      "\"https://example.com/?q=a b'<#f g`\"   | https://example.com/?q=a%20b%27%3C#f%20g%60",
      "https://example.com#                    | https://example.com/#",
      "https://user:pass@example.com/          | https://user:pass@example.com/",
      "https://user:@example.com/              | https://user@example.com/",
      "https://:pw@example.com/                | https://:pw@example.com/",
      "https://@example.com/                   | https://example.com/",
      "https://a@b:c:d@example.com/            | https://a%40b:c%3Ad@example.com/",
      "https://ex%41mple.com/                  | https://example.com/",
      "https://xn--bcher-kva.example/          | https://xn--bcher-kva.example/",
      "https://under_score.example/            | https://under_score.example/",
  })
  void normalisesLikeTheUrlCrate(String input, String expected) {
    RelayUrl url = RelayUrl.parse(input);
    assertThat(url.toString()).isEqualTo(expected);
    assertThat(RelayUrl.parse(expected)).isEqualTo(url); // serialisation is a fixed point
  }

  @Test
  void exposesSchemeHostAndEffectivePort() {
    RelayUrl a = RelayUrl.parse("https://Relay.Example.com./");
    assertThat(a.scheme()).isEqualTo("https");
    assertThat(a.host()).isEqualTo("relay.example.com.");
    assertThat(a.port()).isEqualTo(443);
    RelayUrl b = RelayUrl.parse("http://[::1]:3340");
    assertThat(b.host()).isEqualTo("[::1]");
    assertThat(b.port()).isEqualTo(3340);
    assertThat(RelayUrl.parse("ws://h").port()).isEqualTo(80);
  }

  @Test
  void ordersByNormalisedString() {
    RelayUrl a = RelayUrl.parse("HTTP://B.example");
    RelayUrl b = RelayUrl.parse("https://a.example");
    assertThat(a.compareTo(b)).isLessThan(0); // "http://b..." < "https://a..."
    assertThat(RelayUrl.parse("https://a.example:443")).isEqualByComparingTo(b).isEqualTo(b).hasSameHashCodeAs(b);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "example.com", "//example.com/", "1http://x/", "ftp://example.com/",
      "file:///etc/passwd", "mailto:someone@example.com", "foo://bar/", "https://", "https:///", "https://:443/",
      "https://user@/", "https://@/", "https://exa mple.com/", "https://exa<mple.com/", "https://a^b/",
      "https://ex%zzample.com/", "https://ex%25ample.com/", "https://ex%00ample.com/", "https://example.com:99999/",
      "https://example.com:80a/", "https://example.com:-1/", "https://example.com:1:2/", "https://[::1/",
      "https://[::1]x/", "https://[::g]/", "https://[fe80::1%25eth0]/", "https://1.2.3.256/", "https://1.2.3.4.5/",
      "https://0x100000000/", "https://08.1/", "https://1..2/", "https://bücher.example/", "https://b%C3%BCcher.example/",
      "https://example.com/\ud800"})
  void rejectsWhatIsNotAnHttpRelayUrl(String input) {
    assertThatThrownBy(() -> RelayUrl.parse(input))
        .isInstanceOf(AddrFormatException.class)
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("invalid relay URL");
  }

  @Test
  void errorsNameTheProblem() {
    assertThatThrownBy(() -> RelayUrl.parse("ftp://example.com/")).hasMessageContaining("unsupported scheme 'ftp'");
    assertThatThrownBy(() -> RelayUrl.parse("example.com")).hasMessageContaining("missing scheme");
    assertThatThrownBy(() -> RelayUrl.parse("https://")).hasMessageContaining("empty host");
    assertThatThrownBy(() -> RelayUrl.parse("https://h:70000")).hasMessageContaining("port");
    assertThatThrownBy(() -> RelayUrl.parse("https://bücher.example")).hasMessageContaining("punycode");
    assertThatThrownBy(() -> RelayUrl.parse("https://a b")).hasMessageContaining("invalid character ' '".replace("' '", "U+0020"));
  }
}
