const HEADER = "eyJhbGciOiJIUzI1NiJ9";
const UNSIGNED = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJndWVzdCJ9.";
export function isJwt(s) { return s.startsWith("eyJ") && s.split(".").length === 3; }
