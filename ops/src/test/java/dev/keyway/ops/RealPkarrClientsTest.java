package dev.keyway.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real pkarr clients use {@code keyway relay} as their relay, unchanged.
 *
 * <ul>
 *   <li>pkarr-js 1.3.0 (npm {@code pkarr}: libsodium signatures, the {@code dns-packet} codec):
 *       its packets are accepted, stored and served byte for byte, and it verifies and decodes
 *       the packets keyway's own publisher signs.
 *   <li>The Pubky SDK 0.6.0 (npm {@code @synonymdev/pubky}: the Rust pkarr crate 3.10 compiled
 *       to WebAssembly, relays only): it publishes and resolves its {@code _pubky} homeserver
 *       record through the relay, including a republish with a new value, for which pkarr 3.10
 *       sends {@code If-Match: <timestamp>} (the compare-and-swap of pkarr 3.8 to 6.x), which
 *       keyway, like a v7 relay, accepts and ignores.
 * </ul>
 * The clients are {@code interop/pkarr/clients.mjs}; see {@link InteropPrerequisites}.
 */
class RealPkarrClientsTest {
  private static final Path CLIENTS = InteropPrerequisites.dir("pkarr");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir static Path dir;
  static ServingCommand relay;
  static String url;

  @BeforeAll
  static void startRelay() throws IOException {
    InteropPrerequisites.require("pkarr", List.of("pkarr", "@synonymdev/pubky"), false);
    Path config = Files.writeString(dir.resolve("relay.toml"), """
        [http]
        port = 0
        bind_addr = "127.0.0.1"
        [cache]
        path = "%s"
        [metrics]
        disabled = true
        """.formatted(dir.resolve("data").toString().replace("\\", "/")));
    relay = new ServingCommand("relay listening", "relay", "-c", config.toString());
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("relay listening on (http://\\S+)").matcher(relay.out());
    assertThat(m.find()).as(relay.out()).isTrue();
    url = m.group(1).replaceAll("[,/]+$", "");
  }

  @AfterAll
  static void stopRelay() throws InterruptedException {
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void pkarrJsPacketsAreStoredAndServedByteForByte() throws Exception {
    String seed = randomHex();
    long now = System.currentTimeMillis() * 1000;

    JsonNode put = node("js-put", url, seed, Long.toString(now));
    assertThat(put.get("status").asInt()).as(put.toString()).isEqualTo(204);
    String z32 = put.get("z32").asText();
    HttpResponse<byte[]> get = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/" + z32)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(HexFormat.of().formatHex(get.body())).isEqualTo(put.get("bytes").asText());

    // The client's own view of the relay's rules: the same bytes again are fine, older are not.
    assertThat(node("js-put", url, seed, Long.toString(now)).get("status").asInt()).isEqualTo(204);
    JsonNode older = node("js-put", url, seed, Long.toString(now - 5_000_000));
    assertThat(older.get("status").asInt()).isEqualTo(409);
    assertThat(older.get("body").asText()).contains("more recent");

    JsonNode read = node("js-get", url, z32);
    assertThat(read.get("bytes").asText()).isEqualTo(put.get("bytes").asText());
  }

  @Test
  void pkarrJsVerifiesAndDecodesWhatKeywayPublishes() throws Exception {
    Path key = dir.resolve("published.key");
    assertThat(CliTest.run("key", "generate", "--out", key.toString()).code()).isZero();
    CliTest.Run published = CliTest.run("publish", "--secret", key.toString(),
        "--addr", "10.0.0.1:1234", "--addr", "[2001:db8::1]:4321",
        "--relay-url", "https://relay.example/", "--to", url);
    assertThat(published.code()).as(published.out() + published.err()).isZero();
    String z32 = JSON.readTree(CliTest.run("key", "show", "--json", key.toString()).out())
        .get("z32").asText();

    JsonNode read = node("js-get", url, z32);
    List<String> txt = new ArrayList<>();
    for (JsonNode answer : read.get("answers")) {
      assertThat(answer.get("name").asText()).isEqualTo("_iroh." + z32);
      assertThat(answer.get("type").asText()).isEqualTo("TXT");
      answer.get("data").forEach(d -> txt.add(d.asText()));
    }
    assertThat(txt).containsExactlyInAnyOrder("relay=https://relay.example/",
        "addr=10.0.0.1:1234", "addr=[2001:db8::1]:4321");
  }

  @Test
  void thePubkySdkPublishesAndResolvesThroughTheRelay() throws Exception {
    String secret = randomHex();
    String first = publicKeyZ32();
    String second = publicKeyZ32();

    String user = node("pubky-publish", url, secret, first).get("published").asText();
    assertThat(node("pubky-resolve", url, user).get("homeserver").asText()).isEqualTo(first);
    JsonNode stored = node("js-get", url, user);
    assertThat(stored.get("answers").get(0).get("name").asText()).isEqualTo("_pubky." + user);

    node("pubky-publish", url, secret, second);
    assertThat(node("pubky-resolve", url, user).get("homeserver").asText()).isEqualTo(second);

    assertThat(node("pubky-resolve", url, publicKeyZ32()).get("homeserver").isNull()).isTrue();
  }

  private static String publicKeyZ32() throws IOException {
    Path key = Files.createTempFile(dir, "host", ".key");
    Files.delete(key);
    assertThat(CliTest.run("key", "generate", "--out", key.toString()).code()).isZero();
    return JSON.readTree(CliTest.run("key", "show", "--json", key.toString()).out()).get("z32").asText();
  }

  private static String randomHex() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Runs one operation of {@code clients.mjs}; fails on an error or a non-zero exit. */
  private static JsonNode node(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", "clients.mjs"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(CLIENTS.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("clients.mjs %s finished", args[0]).isTrue();
    String text = new String(out, StandardCharsets.UTF_8).strip();
    assertThat(p.exitValue()).as("clients.mjs %s: %s", String.join(" ", args), text).isZero();
    return JSON.readTree(text.substring(text.lastIndexOf('\n') + 1));
  }
}
