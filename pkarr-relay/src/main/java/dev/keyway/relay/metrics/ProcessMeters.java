package dev.keyway.relay.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import java.lang.management.ManagementFactory;

/**
 * The meters every keyway server process exposes besides its own: Micrometer's standard JVM and
 * process binders (memory, GC, threads, classes, CPU, open files, uptime: the {@code jvm_*},
 * {@code process_*} and {@code system_*} series dashboards expect, with the CPU time as
 * {@code process_cpu_seconds_total} rather than Micrometer's nanosecond counter) and
 * {@code keyway_build_info{version="..."} 1}, so a scrape says which build is running.
 *
 * <p>Bind once per registry, by whoever owns it (a server on its own registry, or {@code keyway
 * up} for the shared one), and close the returned handle with the registry.
 */
public final class ProcessMeters implements AutoCloseable {
  private final JvmGcMetrics gc;

  private ProcessMeters(JvmGcMetrics gc) {
    this.gc = gc;
  }

  /** Binds the standard meters and the build info to {@code registry}. */
  public static ProcessMeters bind(MeterRegistry registry, String version) {
    // Micrometer's process CPU counter is in nanoseconds (process_cpu_time_ns_total); Prometheus
    // wants base units, and its own clients' process_cpu_seconds_total is what dashboards use.
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      FunctionCounter.builder("process.cpu.seconds", os,
              o -> o.getProcessCpuTime() < 0 ? Double.NaN : o.getProcessCpuTime() / 1e9)
          .description("CPU time used by this process")
          .baseUnit("seconds")
          .register(registry);
    }
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    Gauge.builder("keyway.build.info", () -> 1)
        .description("The running keyway build (always 1; the version is a label)")
        .tag("version", version)
        .register(registry);
    return new ProcessMeters(gc);
  }

  /** Stops listening for GC notifications. */
  @Override
  public void close() {
    gc.close();
  }
}
