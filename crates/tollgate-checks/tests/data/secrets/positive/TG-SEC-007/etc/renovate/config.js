module.exports = {
  platform: "github",
  token: "github~~_pat_11X5YLPDRCES178P5CTTMM_XlP3q0u7H2VI2Ct5YcSPB8rr6A112HI6uTaMls0p364LqV7RkFOtMzW1EXb",
  repositories: ["acme/orders"],
};
