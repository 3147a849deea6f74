"""Foundation benchmark: import speed and list-page timings at State Grid scale."""
