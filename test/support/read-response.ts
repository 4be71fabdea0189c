export interface ReadResponse {
  status: number;
  /** The body parsed as JSON, or the text when it is not JSON. */
  json: any;
  text: string;
  headers: Headers;
}

/** A fetch answer as the API tests look at it: status, body as JSON when it is JSON, headers. */
export async function readResponse(response: Response): Promise<ReadResponse> {
  const text = await response.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, json, text, headers: response.headers };
}
