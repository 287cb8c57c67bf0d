console.log("nuclei");
