// A fresh position from the browser: high accuracy, never a cached fix.
export class GeoError extends Error {
  constructor(key) { super(key); this.key = key; }
}

const REASONS = { 1: "geo_denied", 2: "geo_unavailable", 3: "geo_timeout" };
const TIMEOUT_MS = 30000;
const CLOCK_SLACK_MS = 10 * 60 * 1000;

export function freshFix() {
  return new Promise((resolve, reject) => {
    if (!("geolocation" in navigator)) { reject(new GeoError("geo_missing")); return; }
    navigator.geolocation.getCurrentPosition((position) => {
      const c = position.coords;
      // the fix's own time, unless the browser's clock for it is off
      const stamp = Math.abs(position.timestamp - Date.now()) < CLOCK_SLACK_MS ? position.timestamp : Date.now();
      resolve({
        lat: c.latitude, lon: c.longitude, accuracy: c.accuracy,
        altitude: c.altitude ?? undefined, speed: c.speed ?? undefined,
        heading: Number.isFinite(c.heading) ? c.heading : undefined,
        recorded_at: new Date(stamp).toISOString(),
      });
    }, (error) => reject(new GeoError(REASONS[error.code] || "geo_unavailable")),
    { enableHighAccuracy: true, maximumAge: 0, timeout: TIMEOUT_MS });
  });
}
