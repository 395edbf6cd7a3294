/**
 * Does what a person's browser does with a sign-in address: follows Google's (the fake's)
 * redirect to DriveUp's loopback listener and returns that page's status and text.
 */
export async function followSignInUrl(url: string): Promise<{ status: number; text: string }> {
  const consent = await fetch(url, { redirect: 'manual' });
  const location = consent.headers.get('location');
  if (!location) throw new Error(`sign-in page answered ${consent.status} without a redirect`);
  const landing = await fetch(location);
  return { status: landing.status, text: await landing.text() };
}
