// Test page: the optional first-party anonymous-id cookie.
attune.init({ identity: { cookie: { days: 30, sameSite: 'Lax' } } });
