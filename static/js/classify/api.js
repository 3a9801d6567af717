// Talking to the classify API: the next subject (with its band data) and posting a classification.
import { fetchBand, fetchDenoised } from "./bands.js";

/** An API failure: `network` when nothing came back, otherwise the HTTP status and its detail. */
export class ApiError extends Error {
  constructor(message, { status = 0, network = false } = {}) {
    super(message);
    this.status = status;
    this.network = network;
  }
}

async function send(url, options) {
  try {
    return await fetch(url, { credentials: "same-origin", ...options });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("We couldn't reach the server. Check your connection and try again.", { network: true });
  }
}

async function failure(response) {
  let detail = "";
  try {
    const body = await response.json();
    detail = typeof body.detail === "string" ? body.detail : "";
  } catch {
    // Not JSON (a proxy's error page, say): fall back to the status below.
  }
  if (!detail) {
    detail = response.status >= 500
      ? `The server had a problem (HTTP ${response.status}). Please try again.`
      : `The request was refused (HTTP ${response.status}).`;
  }
  return new ApiError(detail, { status: response.status });
}

/**
 * The next subject and its decoded bands, or {subject: null} when there is nothing left (HTTP 204).
 * `exclude` asks the server to skip a subject (the one on screen, when preloading).
 */
export async function fetchNext(nextUrl, exclude = null) {
  const url = new URL(nextUrl, window.location.href);
  if (exclude !== null) url.searchParams.set("exclude", String(exclude));
  const response = await send(url, { headers: { Accept: "application/json" } });
  if (response.status === 204) return { subject: null, bands: null };
  if (!response.ok) throw await failure(response);
  const subject = await response.json();
  const load = async (name) => {
    const band = subject.bands?.[name];
    if (!band) return null;
    try {
      const [data, denoised] = await Promise.all([fetchBand(name, band), fetchDenoised(name, band)]);
      data.denoised = denoised;
      return data;
    } catch (error) {
      if (error instanceof TypeError) throw new ApiError("We couldn't download the images. Check your connection and try again.", { network: true });
      throw new ApiError(error.message);
    }
  };
  const [xray, optical] = await Promise.all([load("xray"), load("optical")]);
  return { subject, bands: { xray, optical } };
}

function csrfToken() {
  if (window.clusterHunt?.csrfToken) return window.clusterHunt.csrfToken();
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** POST a classification; resolves with the response body (201 created, or 200 for a replay). */
export async function postClassification(classifyUrl, body) {
  const response = await send(classifyUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw await failure(response);
  return response.json();
}

/** A random v4 UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newKey() {
  if (window.crypto?.randomUUID) {
    try {
      return window.crypto.randomUUID();
    } catch {
      // Not a secure context: build one below.
    }
  }
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
