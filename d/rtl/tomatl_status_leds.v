// tomatl_status_leds: what a board without a host display shows. led[0]
// blinks while the clock runs (bit BLINK_BITS-1 of a free counter), led[1]
// toggles with every frame the accelerator delivers; other LEDs stay off.
`default_nettype none

module tomatl_status_leds #(
    parameter N_LEDS     = 2,   // LEDs driven (>= 1)
    parameter BLINK_BITS = 24,  // counter width: led[0] toggles every 2^(BLINK_BITS-1) cycles (>= 2)
    parameter ACTIVE_LOW = 0    // 1: an LED lights on a low level
) (
    input  wire              clk,
    input  wire              rst,
    input  wire              frame_done,  // one cycle per delivered frame
    output wire [N_LEDS-1:0] led
);

    generate
        if (N_LEDS < 1) begin : g_illegal_n_leds
            tomatl_illegal_parameter_N_LEDS u_illegal ();
        end
        if (BLINK_BITS < 2) begin : g_illegal_blink_bits
            tomatl_illegal_parameter_BLINK_BITS u_illegal ();
        end
    endgenerate

    reg [BLINK_BITS-1:0] count_reg;
    reg                  frame_reg;

    always @(posedge clk) begin
        if (rst) begin
            count_reg <= {BLINK_BITS{1'b0}};
            frame_reg <= 1'b0;
        end else begin
            count_reg <= count_reg + {{(BLINK_BITS - 1) {1'b0}}, 1'b1};
            if (frame_done) frame_reg <= !frame_reg;
        end
    end

    // the two indicators, then off for the rest
    wire [N_LEDS-1:0] on;
    assign on[0] = count_reg[BLINK_BITS-1];
    generate
        if (N_LEDS > 1) begin : g_frame_led
            assign on[1] = frame_reg;
        end else begin : g_no_frame_led
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_frame = frame_reg;  // one LED: the blink only
            /* verilator lint_on UNUSEDSIGNAL */
        end
        if (N_LEDS > 2) begin : g_off
            assign on[N_LEDS-1:2] = {(N_LEDS - 2) {1'b0}};
        end
    endgenerate

    assign led = ACTIVE_LOW != 0 ? ~on : on;

endmodule

`default_nettype wire
