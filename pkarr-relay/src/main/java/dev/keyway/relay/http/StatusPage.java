package dev.keyway.relay.http;

import dev.keyway.client.store.PacketStore;
import dev.keyway.relay.store.JdbcPacketStore;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The relay's {@code GET /} page (HTML for people: version, packets, disk use, uptime, request
 * rates, settings) and {@code GET /healthz} (JSON for probes).
 */
public final class StatusPage {
  private final String version;
  private final Instant started;
  private final Clock clock;
  private final PacketStore store;
  private final JdbcPacketStore jdbc;
  private final RequestRates rates;
  private final List<String> settings;
  private final String basePath;

  /**
   * @param settings one line per setting, shown as is (must not hold secrets)
   * @param basePath the routes' prefix, for the usage example
   */
  public StatusPage(String version, Clock clock, PacketStore store, RequestRates rates,
      List<String> settings, String basePath) {
    this(version, clock, store, store instanceof JdbcPacketStore j ? j : null, rates, settings,
        basePath);
  }

  /**
   * @param jdbc the JDBC store behind {@code store} (for its size and capacity), or null
   * @param settings one line per setting, shown as is (must not hold secrets)
   * @param basePath the routes' prefix, for the usage example
   */
  public StatusPage(String version, Clock clock, PacketStore store, JdbcPacketStore jdbc,
      RequestRates rates, List<String> settings, String basePath) {
    this.version = version;
    this.clock = clock;
    this.started = clock.instant();
    this.store = store;
    this.jdbc = jdbc;
    this.rates = rates;
    this.settings = List.copyOf(settings);
    this.basePath = basePath.equals("/") ? "" : basePath;
  }

  /** Seconds since the page (and so the server) was created. */
  public long uptimeSeconds() {
    return Duration.between(started, clock.instant()).toSeconds();
  }

  /** The {@code /healthz} document. */
  public JsonObject health(boolean up) {
    JsonObject health = new JsonObject()
        .put("status", up ? "ok" : "unavailable")
        .put("version", version)
        .put("packets", up ? store.count() : 0)
        .put("uptime_seconds", uptimeSeconds());
    if (jdbc != null && jdbc.failure().isPresent()) {
      // The cause (with file names) is in the server's log, not on a public page.
      health.put("reason", "the packet store failed and refuses writes until a restart");
    }
    return health;
  }

  /** The HTML page. */
  public String html(String host) {
    RequestRates.Rates r = rates.rates(clock.millis());
    long bytes = jdbc != null ? jdbc.storageBytes() : -1;
    long capacity = jdbc != null ? jdbc.options().capacity() : 0;
    String origin = "http://" + (host == null ? "localhost" : host) + basePath;
    StringBuilder b = new StringBuilder(4096);
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>keyway pkarr relay</title><style>")
        .append("body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;")
        .append("background:#f6f7f9;color:#1d2330}")
        .append("main{max-width:46rem;margin:2.5rem auto;padding:0 1.2rem}")
        .append("h1{font-size:1.5rem;margin:0 0 .2rem}p.sub{color:#5b6475;margin:0 0 1.6rem}")
        .append(".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.8rem}")
        .append(".card{background:#fff;border:1px solid #e1e4ea;border-radius:.6rem;padding:.9rem 1rem}")
        .append(".card b{display:block;font-size:1.35rem;font-variant-numeric:tabular-nums}")
        .append(".card span{color:#5b6475;font-size:.85rem}")
        .append("h2{font-size:1.05rem;margin:1.8rem 0 .6rem}")
        .append("ul{background:#fff;border:1px solid #e1e4ea;border-radius:.6rem;padding:.8rem 1rem .8rem 2rem;margin:0}")
        .append("li{margin:.2rem 0}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}")
        .append("pre{background:#1d2330;color:#e8ebf1;border-radius:.6rem;padding:.9rem 1rem;overflow-x:auto}")
        .append("footer{color:#8a92a3;font-size:.8rem;margin-top:2rem}")
        .append("</style></head><body><main>\n")
        .append("<h1>keyway pkarr relay</h1><p class=\"sub\">pkarr v7 relay API &middot; version ")
        .append(escape(version)).append("</p>\n<div class=\"grid\">");
    card(b, String.format(Locale.ROOT, "%,d", store.count()),
        capacity > 0 ? String.format(Locale.ROOT, "packets stored (of %,d)", capacity) : "packets stored");
    card(b, bytes < 0 ? "&ndash;" : humanBytes(bytes), "store size on disk");
    card(b, humanDuration(uptimeSeconds()), "uptime");
    card(b, String.format(Locale.ROOT, "%.1f", r.putsPerSecond()), "PUT / s (last minute)");
    card(b, String.format(Locale.ROOT, "%.1f", r.getsPerSecond()), "GET / s (last minute)");
    card(b, String.format(Locale.ROOT, "%,d / %,d", r.totalPuts(), r.totalGets()), "PUTs / GETs since start");
    b.append("</div>\n<h2>Settings</h2><ul>");
    for (String s : settings) {
      b.append("<li>").append(escape(s)).append("</li>");
    }
    b.append("</ul>\n<h2>Use it</h2><pre>")
        .append(escape("curl -X PUT --data-binary @payload.bin " + origin + "/<z32-key>\n"))
        .append(escape("curl " + origin + "/<z32-key>\n"))
        .append(escape("curl " + origin + "/healthz"))
        .append("</pre>\n<footer>Payloads are pkarr relay payloads (signature, timestamp, DNS packet)"
            + " signed by the key in the path. Health: <code>")
        .append(escape(basePath + "/healthz")).append("</code>.</footer>\n</main></body></html>\n");
    return b.toString();
  }

  private static void card(StringBuilder b, String value, String label) {
    b.append("<div class=\"card\"><b>").append(value).append("</b><span>").append(escape(label))
        .append("</span></div>");
  }

  static String humanBytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    double v = n;
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String humanDuration(long seconds) {
    long d = seconds / 86_400;
    long h = seconds / 3_600 % 24;
    long m = seconds / 60 % 60;
    long s = seconds % 60;
    if (d > 0) {
      return d + "d " + h + "h";
    }
    if (h > 0) {
      return h + "h " + m + "m";
    }
    return m > 0 ? m + "m " + s + "s" : s + "s";
  }

  static String escape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
