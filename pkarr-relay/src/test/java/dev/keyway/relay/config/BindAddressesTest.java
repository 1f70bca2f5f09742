package dev.keyway.relay.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BindAddressesTest {
  private static final String EXAMPLE = "127.0.0.1:9117";

  @Test
  void splitsIpPortAtTheLastColonAndDropsBrackets() {
    assertThat(BindAddresses.parseHostPort("k", "127.0.0.1:9117", EXAMPLE))
        .isEqualTo(new BindAddresses.HostPort("127.0.0.1", 9117));
    assertThat(BindAddresses.parseHostPort("k", "[::1]:0", EXAMPLE))
        .isEqualTo(new BindAddresses.HostPort("::1", 0));
    assertThat(BindAddresses.parseHostPort("k", ":::80", EXAMPLE))
        .isEqualTo(new BindAddresses.HostPort("::", 80));
    // The range and the host are the caller's checks.
    assertThat(BindAddresses.parseHostPort("k", "x:-1", EXAMPLE))
        .isEqualTo(new BindAddresses.HostPort("x", -1));
    assertThat(BindAddresses.parseHostPort("k", "x:70000", EXAMPLE))
        .isEqualTo(new BindAddresses.HostPort("x", 70000));
  }

  @Test
  void refusesWhatIsNotIpPort() {
    for (String bad : new String[] {"9117", ":9117", "127.0.0.1:", "127.0.0.1:http", "", "a:1.5"}) {
      assertThatThrownBy(() -> BindAddresses.parseHostPort("metrics.bind_addr", bad, EXAMPLE)).as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessage("metrics.bind_addr must be ip:port, e.g. \"127.0.0.1:9117\", got \"" + bad + "\"");
    }
  }

  @Test
  void addressesAreIpLiteralsOnly() {
    for (String ok : new String[] {"127.0.0.1", "0.0.0.0", "::", "::1", "fe80::1"}) {
      assertThatCode(() -> BindAddresses.checkAddress("k", ok)).as(ok).doesNotThrowAnyException();
    }
    for (String bad : new String[] {"", " ", "localhost", "example.com", "1.2.3.4.5", "ab"}) {
      assertThatThrownBy(() -> BindAddresses.checkAddress("http.bind_addr", bad)).as(bad)
          .hasMessage("http.bind_addr must be an IP address such as 127.0.0.1 or ::, got \"" + bad + "\"");
    }
    assertThatThrownBy(() -> BindAddresses.checkAddress("dns.bind_addr", null))
        .hasMessage("dns.bind_addr must be an IP address such as 127.0.0.1 or ::, got \"\"");
  }

  @Test
  void portsAre0To65535() {
    assertThatCode(() -> BindAddresses.checkPort("k", 0)).doesNotThrowAnyException();
    assertThatCode(() -> BindAddresses.checkPort("k", 65_535)).doesNotThrowAnyException();
    assertThatThrownBy(() -> BindAddresses.checkPort("http.port", 65_536))
        .isInstanceOf(ConfigException.class).hasMessage("http.port must be 0..65535, got 65536");
    assertThatThrownBy(() -> BindAddresses.checkPort("http.port", -1))
        .hasMessage("http.port must be 0..65535, got -1");
  }
}
