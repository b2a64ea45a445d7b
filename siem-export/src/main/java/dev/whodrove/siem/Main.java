package dev.whodrove.siem;

import dev.whodrove.runtime.ServiceMain;

/** {@code siem-export} entry point: health on port 9409, {@code GET /sessions/{id}} on 9419 unless configured. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    ServiceMain.run(new SiemExportServiceFactory());
  }
}
